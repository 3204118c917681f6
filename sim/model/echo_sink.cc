#include "sim/model/echo_sink.h"

namespace phantasm::sim {

void EchoSink::OnDatagram(FlowId flow, std::span<const uint8_t> payload) {
  ++m_datagrams;
  // Each server flow has its own UDP socket, so the sink sees it as its own source address.
  const auto key = std::make_pair(flow.slot, flow.generation);
  auto it = m_peers.find(key);
  if (it == m_peers.end()) it = m_peers.emplace(key, static_cast<uint32_t>(m_peers.size())).first;
  const traffic::ReceivedDatagram r = m_receiver.on_datagram(it->second, payload, static_cast<uint64_t>(Now().ns()));
  if (r.decoded.ok && r.decoded.header.kind == traffic::DatagramKind::data) {
    m_arrivals.on_datagram(ArrivalPlace::kSink, r.decoded.header.session, r.decoded.header.flow, Now());
  }
  m_server->SendOnFlow(flow, payload);
}

traffic::TrafficCounts EchoSink::SessionCounts(uint32_t session) const {
  traffic::TrafficCounts total;
  m_receiver.for_each_flow([&](const traffic::FlowKey& k, const traffic::TrafficCounts& c) {
    if (k.session == session) total += c;
  });
  return total;
}

}  // namespace phantasm::sim
