#include "sim/model/wire_check.h"

#include "engine/wire/checksum.h"
#include "sim/model/ip_packet.h"

namespace phantasm::sim {

WireCounts& WireCounts::operator+=(const WireCounts& o) {
  packets += o.packets;
  bad_ip_checksum += o.bad_ip_checksum;
  bad_tcp_checksum += o.bad_tcp_checksum;
  no_flags += o.no_flags;
  fin_without_ack += o.fin_without_ack;
  leaked += o.leaked;
  return *this;
}

void check_on_wire(std::span<const uint8_t> packet, const std::vector<IpPrefix>& private_sources, WireCounts& c) {
  const auto p = parse_ip_packet(packet);
  if (!p) return;
  ++c.packets;
  if (p->version == IpVersion::kV4 && wire::checksum_fold(wire::checksum_add(packet.first(p->l4_offset))) != 0xFFFF) {
    ++c.bad_ip_checksum;
  }
  for (const IpPrefix& prefix : private_sources) {
    if (prefix.contains(p->src)) {
      ++c.leaked;
      break;
    }
  }
  if (!p->tcp || !p->tcp->has_header) return;
  if (!tcp_checksum_ok(packet, *p)) ++c.bad_tcp_checksum;
  using namespace tcp_flag;
  if ((p->tcp->flags & (kSyn | kAck | kRst | kFin)) == 0) ++c.no_flags;
  if ((p->tcp->flags & (kFin | kAck)) == kFin) ++c.fin_without_ack;
}

}  // namespace phantasm::sim
