#include "sim/model/engine_host.h"

#include "ns3/log.h"
#include "ns3/simulator.h"

namespace phantasm::sim {

NS_LOG_COMPONENT_DEFINE("PhantasmEngineHost");
NS_OBJECT_ENSURE_REGISTERED(EngineHost);

namespace {

void add(EndpointCounters& a, const EndpointCounters& b) {
  a.packets_received += b.packets_received;
  a.packets_sent += b.packets_sent;
  a.datagrams_received += b.datagrams_received;
  a.flows_opened += b.flows_opened;
  a.flows_closed += b.flows_closed;
  a.handshakes_started += b.handshakes_started;
  a.handshakes_completed += b.handshakes_completed;
  a.handshakes_failed += b.handshakes_failed;
  a.handshake_retransmits += b.handshake_retransmits;
  a.resets_received += b.resets_received;
  a.resets_sent += b.resets_sent;
  a.unknown_rsts_suppressed += b.unknown_rsts_suppressed;
  a.phantasm_peers += b.phantasm_peers;
  a.traffic += b.traffic;
}

std::pair<uint32_t, uint32_t> key(FlowId f) { return {f.slot, f.generation}; }

}  // namespace

// The engine's outputs. Packets go into the TUN at once (the node never calls back into the
// engine synchronously); what the applications hear is delivered in events of its own, so an
// application answering at once does not re-enter the engine either.
class EngineHost::Sink : public EngineSink {
 public:
  explicit Sink(EngineHost& host) : host_(host) {}

  void send_packet(std::span<const uint8_t> packet) override { host_.m_node->WriteTun(host_.m_tun, packet); }

  void deliver_datagram(FlowId flow, std::span<const uint8_t> payload) override {
    if (!host_.m_listener.datagram) return;
    std::optional<SocketAddress> peer;
    if (auto it = host_.m_peers.find(key(flow)); it != host_.m_peers.end()) peer = it->second;
    ns3::Simulator::ScheduleNow([l = host_.m_listener.datagram, flow, peer,
                                 bytes = std::vector<uint8_t>(payload.begin(), payload.end())]() { l(flow, peer, bytes); });
  }

  void flow_opened(FlowId flow, const FlowInfo& info) override {
    if (info.udp_peer) host_.m_peers[key(flow)] = *info.udp_peer;
    if (host_.m_listener.opened) ns3::Simulator::ScheduleNow([l = host_.m_listener.opened, flow, info]() { l(flow, info); });
  }

  void flow_closed(FlowId flow, CloseReason reason) override {
    host_.m_peers.erase(key(flow));
    if (host_.m_listener.closed) ns3::Simulator::ScheduleNow([l = host_.m_listener.closed, flow, reason]() { l(flow, reason); });
  }

 private:
  EngineHost& host_;
};

ns3::TypeId EngineHost::GetTypeId() {
  static ns3::TypeId tid =
      ns3::TypeId("phantasm::sim::EngineHost").SetParent<ns3::Object>().SetGroupName("Phantasm").AddConstructor<EngineHost>();
  return tid;
}

EngineHost::EngineHost() = default;
EngineHost::~EngineHost() = default;

void EngineHost::DoDispose() {
  m_timer.Cancel();
  m_endpoint.reset();
  m_sink.reset();
  m_node = nullptr;
  ns3::Object::DoDispose();
}

void EngineHost::Setup(EngineConfig config, uint64_t seed, ns3::Ptr<LinuxNode> node, size_t tun_iface, Listener listener) {
  m_config = std::move(config);
  m_seed = seed;
  m_node = node;
  m_tun = tun_iface;
  m_listener = std::move(listener);
  m_node->AttachTun(m_tun, [this](std::vector<uint8_t>&& packet) { FromTun(std::move(packet)); });
}

void EngineHost::Start() {
  if (m_endpoint) return;
  m_sink = std::make_unique<Sink>(*this);
  m_endpoint = std::make_unique<Endpoint>(m_config, m_seed + 0x1000003ull * m_starts++, *m_sink);
  m_node->SetTunUp(m_tun, true);
  Reschedule();
}

void EngineHost::Stop() {
  if (!m_endpoint) return;
  m_endpoint->close_all(Now());
  add(m_previous, m_endpoint->counters());
  m_endpoint.reset();
  m_peers.clear();
  m_timer.Cancel();
  m_timerAt = phantasm::Time::never();
  m_node->SetTunUp(m_tun, false);
}

EndpointCounters EngineHost::Counters() const {
  EndpointCounters c = m_previous;
  if (m_endpoint) add(c, m_endpoint->counters());
  return c;
}

DatagramBuffer EngineHost::Stage(std::span<const uint8_t> payload) {
  m_buffer.resize(wire::kHeadroom + payload.size());
  std::copy(payload.begin(), payload.end(), m_buffer.begin() + wire::kHeadroom);
  return DatagramBuffer{m_buffer, wire::kHeadroom, payload.size()};
}

void EngineHost::SendFromPeer(const SocketAddress& peer, std::span<const uint8_t> payload) {
  if (!m_endpoint) return;
  m_endpoint->on_udp_datagram(peer, Stage(payload), Now());
  Reschedule();
}

void EngineHost::SendOnFlow(FlowId flow, std::span<const uint8_t> payload) {
  if (!m_endpoint) return;
  m_endpoint->on_udp_datagram(flow, Stage(payload), Now());
  Reschedule();
}

void EngineHost::FromTun(std::vector<uint8_t>&& packet) {
  if (!m_endpoint) return;
  m_endpoint->on_network_packet(packet, Now());
  Reschedule();
}

void EngineHost::Reschedule() {
  const phantasm::Time next = m_endpoint->next_deadline();
  if (next == m_timerAt) return;
  m_timer.Cancel();
  m_timerAt = next;
  if (next.is_never()) return;
  const phantasm::Time now = Now();
  m_timer = ns3::Simulator::Schedule(ns3::NanoSeconds(next > now ? (next - now).count() : 0), &EngineHost::OnTimer, this);
}

void EngineHost::OnTimer() {
  m_timerAt = phantasm::Time::never();
  if (!m_endpoint) return;
  const phantasm::Time now = Now();
  m_endpoint->on_timer(now);
  // A deadline that did not move past now would spin the simulation at one instant: an engine
  // bug. Count it and look again a millisecond later.
  if (m_endpoint->next_deadline() <= now) {
    ++m_stalls;
    m_timerAt = now + std::chrono::milliseconds(1);
    m_timer = ns3::Simulator::Schedule(ns3::MilliSeconds(1), &EngineHost::OnTimer, this);
    return;
  }
  Reschedule();
}

}  // namespace phantasm::sim
