#include "sim/model/recovery_probe.h"

#include "harness/traffic/format/datagram.h"
#include "ns3/simulator.h"

namespace phantasm::sim {
namespace {
constexpr Duration kInterval = std::chrono::milliseconds(50);
constexpr Duration kGap = std::chrono::milliseconds(500);  // max(10 intervals, 0.5 s)
}  // namespace

RecoveryProbe::RecoveryProbe(ns3::Ptr<EngineHost> client, uint16_t port, uint32_t session, FlowArrivals& arrivals)
    : m_client(client), m_arrivals(arrivals), m_port(port), m_session(session) {}

void RecoveryProbe::Start() {
  m_running = true;
  Send();
}

void RecoveryProbe::Send() {
  if (!m_running) return;
  m_buffer.resize(64);
  traffic::write_datagram({traffic::DatagramKind::data, m_session, 0, m_sent++, static_cast<uint64_t>(Now().ns())}, m_buffer);
  m_client->SendFromPeer(SocketAddress{IpAddress::v4({127, 0, 0, 1}), m_port}, m_buffer);
  ns3::Simulator::Schedule(ns3::NanoSeconds(kInterval.count()), &RecoveryProbe::Send, this);
}

void RecoveryProbe::OnDatagram(uint16_t port, std::span<const uint8_t> payload) {
  if (port != m_port || !m_running) return;
  const traffic::Decoded d = traffic::decode_datagram(payload);
  if (!d.ok || d.header.session != m_session) return;
  const phantasm::Time now = Now();
  m_arrivals.on_datagram(ArrivalPlace::kEcho, m_session, 0, now);
  if (m_echoed > 0 && now - m_lastEcho > kGap) m_gaps.push_back({m_lastEcho, now});
  m_lastEcho = now;
  ++m_echoed;
}

std::optional<double> RecoveryProbe::Recovery(phantasm::Time event, Duration slack) const {
  for (const Gap& g : m_gaps) {
    if (g.end > event && g.start < event + slack) return std::chrono::duration<double>(g.end - event).count();
  }
  // Silent since before the event (or never answered): the flow never came back.
  if (m_echoed == 0 || m_lastEcho < event) return std::nullopt;
  return 0.0;
}

}  // namespace phantasm::sim
