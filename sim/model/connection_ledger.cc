#include "sim/model/connection_ledger.h"

#include "harness/traffic/format/datagram.h"
#include "sim/model/ip_packet.h"

namespace phantasm::sim {

void ConnectionLedger::on_packet(std::span<const uint8_t> ip) {
  const auto p = parse_ip_packet(ip);
  if (!p || !p->tcp || !p->tcp->header_complete) return;
  const TcpFields& t = *p->tcp;
  using namespace tcp_flag;
  if (t.dport == port_) {  // client to server
    if ((t.flags & (kSyn | kAck)) == kSyn) {
      current_isn_[t.sport] = t.seq;
      connections_[{t.sport, t.seq}];
      return;
    }
    const auto isn = current_isn_.find(t.sport);
    if (isn == current_isn_.end() || t.payload_len() < traffic::kHeaderSize) return;
    // The udpgen header at the start of the segment: magic, kind, session, flow id.
    const auto payload = ip.subspan(p->l4_offset + t.header_len, t.payload_len());
    const uint32_t magic = static_cast<uint32_t>(payload[0]) << 24 | static_cast<uint32_t>(payload[1]) << 16 |
                           static_cast<uint32_t>(payload[2]) << 8 | payload[3];
    if (magic != traffic::kMagic) return;
    auto be32 = [&](size_t at) {
      return static_cast<uint32_t>(payload[at]) << 24 | static_cast<uint32_t>(payload[at + 1]) << 16 |
             static_cast<uint32_t>(payload[at + 2]) << 8 | payload[at + 3];
    };
    connections_[{t.sport, isn->second}].flows.insert({be32(8), be32(12)});
    return;
  }
  if (t.sport == port_ && (t.flags & (kSyn | kAck)) == (kSyn | kAck)) {  // the server answers
    const auto isn = current_isn_.find(t.dport);
    if (isn != current_isn_.end() && t.ack == isn->second + 1) connections_[{t.dport, isn->second}].answered = true;
  }
}

uint64_t ConnectionLedger::reconnects() const {
  std::map<std::pair<uint32_t, uint32_t>, uint64_t> carriers;
  for (const auto& [key, c] : connections_) {
    if (!c.answered) continue;
    for (const auto& flow : c.flows) ++carriers[flow];
  }
  uint64_t n = 0;
  for (const auto& [flow, count] : carriers) n += count - 1;
  return n;
}

uint64_t ConnectionLedger::answered() const {
  uint64_t n = 0;
  for (const auto& [key, c] : connections_) n += c.answered;
  return n;
}

}  // namespace phantasm::sim
