// The framing overhead table: goodput of 1400-byte datagrams sent as plain UDP, through Phantasm
// (a 20-byte TCP header instead of UDP's 8: 12 bytes more) and through a udp2raw-shaped
// encapsulation (44 bytes more than UDP), worked out on Ethernet and on ns-3's point-to-point
// links, and one row (Phantasm, 1 Gbit/s point-to-point) confirmed by a simulation that offers
// more than the link carries and measures what arrives.
#pragma once

#include <string>
#include <vector>

namespace phantasm::sim {

struct OverheadRow {
  std::string name;
  unsigned extra_over_udp = 0;  // bytes per datagram beyond IP + UDP
  unsigned ip_bytes = 0;        // the IP packet carrying one datagram
  double ethernet_goodput = 0;  // payload bit/s on 1 Gbit/s Ethernet (preamble, header, FCS, gap)
  double p2p_goodput = 0;       // payload bit/s on a 1 Gbit/s ns-3 point-to-point link (2-byte PPP)
};

std::vector<OverheadRow> overhead_table(unsigned payload, double link_bits_per_second);

int run_overhead(int argc, char** argv);

}  // namespace phantasm::sim
