// A minimal rtnetlink client: just what a TUN device needs (MTU, up, point-to-point addresses)
// and the link's kernel counters. Requests are synchronous and acknowledged; every reply from
// the kernel is length-checked before it is read.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "engine/wire/ip_address.h"
#include "harness/linux/unique_fd.h"

namespace phantasm::linux_host {

struct LinkStats {
  uint64_t rx_packets = 0;
  uint64_t tx_packets = 0;
  uint64_t rx_dropped = 0;  // packets userspace wrote that the kernel could not take
  uint64_t tx_dropped = 0;  // packets for userspace dropped because the TUN queue was full
};

class RtNetlink {
 public:
  // Opens a NETLINK_ROUTE socket; throws SetupError.
  RtNetlink();

  // Sets the MTU and transmit queue length (when given) and brings the link up. Throws
  // SetupError.
  void set_link_up(int ifindex, std::optional<uint32_t> mtu, std::optional<uint32_t> txqueuelen);
  // Stops the kernel from generating an IPv6 link-local address (addr_gen_mode none). Best
  // effort: a kernel without IPv6 refuses it, which is fine.
  void disable_ipv6_autoconf(int ifindex);
  // Adds `local` with point-to-point `peer` (/32 or /128, no DAD). Throws SetupError.
  void add_peer_address(int ifindex, const IpAddress& local, const IpAddress& peer);
  // Nothing when the link is gone or the reply is malformed.
  std::optional<LinkStats> link_stats(int ifindex);

 private:
  // Sends one request and waits for the kernel's acknowledgement; returns 0 or an errno.
  int transact(std::vector<uint8_t>& message);
  // Sends one request and returns the first reply of type `reply_type`.
  std::optional<std::vector<uint8_t>> query(std::vector<uint8_t>& message, uint16_t reply_type);
  uint32_t stamp(std::vector<uint8_t>& message);

  UniqueFd fd_;
  uint32_t next_seq_ = 1;
};

}  // namespace phantasm::linux_host
