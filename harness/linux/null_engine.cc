#include "harness/linux/null_engine.h"

#include "engine/wire/packet.h"
#include "engine/wire/tcp.h"

namespace phantasm::linux_host {

NullEngine::NullEngine(const EngineConfig& config, EngineSink& sink) : config_(config), sink_(sink) {}

FlowId NullEngine::open(const FourTuple& tuple, const SocketAddress& udp_peer) {
  const FlowId id{static_cast<uint32_t>(flows_.size()), 1};
  flows_.push_back(Flow{tuple, udp_peer});
  FlowInfo info{tuple, {}};
  if (config_.role == Role::kClient) info.udp_peer = udp_peer;
  sink_.flow_opened(id, info);
  return id;
}

void NullEngine::on_udp_datagram(const SocketAddress& from, DatagramBuffer datagram) {
  for (size_t i = 0; i < flows_.size(); ++i) {
    if (flows_[i].udp_peer == from) return on_udp_datagram(FlowId{static_cast<uint32_t>(i), 1}, datagram);
  }
  const auto port = static_cast<uint32_t>(config_.port_min) + flows_.size();
  if (port > config_.port_max || !config_.remote.ip.is_v4()) return;
  const FourTuple tuple{{config_.local_v4, static_cast<uint16_t>(port)}, config_.remote};
  on_udp_datagram(open(tuple, from), datagram);
}

void NullEngine::on_udp_datagram(FlowId flow, DatagramBuffer datagram) {
  if (flow.slot >= flows_.size()) return;
  Flow& f = flows_[flow.slot];
  wire::SegmentHeader h;
  h.src = f.tuple.local.ip;
  h.dst = f.tuple.remote.ip;
  h.src_port = f.tuple.local.port;
  h.dst_port = f.tuple.remote.port;
  h.seq = f.seq;
  h.ack = 1;
  h.flags = wire::tcp::flag::kAck;
  // The full checksum stays: conntrack marks a TUN packet with a bad one INVALID and skips NAT.
  auto packet = wire::emit_in_front(datagram.storage, datagram.offset, datagram.length, h);
  if (!packet) return;
  f.seq += static_cast<uint32_t>(datagram.length);
  sink_.send_packet(*packet);
}

void NullEngine::on_network_packet(std::span<const uint8_t> packet) {
  // Trusts the kernel's checks (the TUN only hands us what routing sent it) and reads just
  // the fields a header strip needs.
  if (packet.size() < 40 || (packet[0] >> 4) != 4 || packet[9] != wire::tcp::kProtocolNumber) return;
  const size_t ip_len = static_cast<size_t>(packet[0] & 0x0F) * 4;
  const size_t total = (size_t{packet[2]} << 8) | packet[3];
  if (ip_len < 20 || total > packet.size() || total < ip_len + 20) return;
  const auto tcp = packet.subspan(ip_len, total - ip_len);
  const size_t tcp_len = static_cast<size_t>(tcp[12] >> 4) * 4;
  if (tcp_len < 20 || tcp_len >= tcp.size()) return;  // no payload: nothing to deliver
  const SocketAddress src{IpAddress::from_bytes(IpVersion::kV4, packet.subspan(12, 4)),
                          static_cast<uint16_t>((tcp[0] << 8) | tcp[1])};
  const SocketAddress dst{IpAddress::from_bytes(IpVersion::kV4, packet.subspan(16, 4)),
                          static_cast<uint16_t>((tcp[2] << 8) | tcp[3])};
  const auto payload = tcp.subspan(tcp_len);
  if (config_.role == Role::kClient) {
    const size_t slot = dst.port - size_t{config_.port_min};
    if (dst.port < config_.port_min || slot >= flows_.size()) return;
    return sink_.deliver_datagram(FlowId{static_cast<uint32_t>(slot), 1}, payload);
  }
  const FourTuple tuple{dst, src};
  for (size_t i = 0; i < flows_.size(); ++i) {
    if (flows_[i].tuple == tuple) return sink_.deliver_datagram(FlowId{static_cast<uint32_t>(i), 1}, payload);
  }
  sink_.deliver_datagram(open(tuple, {}), payload);
}

}  // namespace phantasm::linux_host
