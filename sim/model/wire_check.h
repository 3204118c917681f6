// What the netns runner's captures check on every link (lan/wan) of every namespace, for the
// same quantities in the simulation: IPv4 header and TCP checksums, TCP segments without flags
// or with FIN but no ACK (INVALID for every conntrack, middleboxes.md §B.1), and packets with a
// TUN-private source (conntrack INVALID skips NAT, so they leak). Like a capture on each end of a
// veth, a packet crossing a link is looked at on both ends.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "sim/model/netfilter_node.h"

namespace phantasm::sim {

struct WireCounts {
  uint64_t packets = 0;
  uint64_t bad_ip_checksum = 0;
  uint64_t bad_tcp_checksum = 0;
  uint64_t no_flags = 0;
  uint64_t fin_without_ack = 0;
  uint64_t leaked = 0;

  uint64_t malformed() const { return bad_ip_checksum + bad_tcp_checksum + no_flags + fin_without_ack; }
  WireCounts& operator+=(const WireCounts& o);
};

void check_on_wire(std::span<const uint8_t> packet, const std::vector<IpPrefix>& private_sources, WireCounts& counts);

}  // namespace phantasm::sim
