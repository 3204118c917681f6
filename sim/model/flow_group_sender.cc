#include "sim/model/flow_group_sender.h"

#include "harness/traffic/format/datagram.h"
#include "ns3/simulator.h"

namespace phantasm::sim {
namespace {

constexpr Duration kWarmupInterval = std::chrono::milliseconds(10);  // udpgen's
// "max" has no meaning without a machine to saturate: the simulation sends at 1 Gbit/s.
constexpr double kUnlimitedBitsPerSecond = 1e9;

}  // namespace

FlowGroupSender::FlowGroupSender(SenderSettings settings, ns3::Ptr<EngineHost> client, FlowArrivals& arrivals)
    : m_settings(std::move(settings)),
      m_client(client),
      m_arrivals(arrivals),
      m_sizes(m_settings.seed),
      m_echoes(m_settings.flows),
      m_warmed(m_settings.flows, false),
      m_seq(m_settings.flows, 0) {}

SocketAddress FlowGroupSender::Peer(uint32_t flow) const {
  return SocketAddress{IpAddress::v4({127, 0, 0, 1}), static_cast<uint16_t>(m_settings.first_port + flow)};
}

void FlowGroupSender::Start() {
  const phantasm::Time now = Now();
  m_warmupEnd = now + m_settings.warmup;
  m_end = m_warmupEnd + m_settings.duration + (m_settings.echo ? m_settings.grace : Duration{0});
  WarmupRound();
}

void FlowGroupSender::WarmupRound() {
  const phantasm::Time now = Now();
  const bool all_warm = std::all_of(m_warmed.begin(), m_warmed.end(), [](bool w) { return w; });
  if (now >= m_warmupEnd || (m_settings.echo && all_warm)) {
    // Data for `duration` from here; with echo, the run ends a grace period later.
    m_dataEnd = now + m_settings.duration;
    m_end = m_dataEnd + (m_settings.echo ? m_settings.grace : Duration{0});
    m_counting = true;
    SendNext();
    return;
  }
  m_buffer.resize(traffic::kMinDatagramSize);
  for (uint32_t f = 0; f < m_settings.flows; ++f) {
    if (m_warmed[f]) continue;
    traffic::write_datagram({traffic::DatagramKind::warmup, m_settings.session, f, m_round, static_cast<uint64_t>(now.ns())},
                            m_buffer);
    m_client->SendFromPeer(Peer(f), m_buffer);
  }
  ++m_round;
  const Duration wait = std::min(kWarmupInterval, m_warmupEnd - now);
  ns3::Simulator::Schedule(ns3::NanoSeconds(wait.count()), &FlowGroupSender::WarmupRound, this);
}

void FlowGroupSender::SendNext() {
  const phantasm::Time now = Now();
  if (now >= m_dataEnd) {
    for (uint32_t f = 0; f < m_settings.flows; ++f) m_echoes[f].set_sent(m_seq[f]);
    return;
  }
  const uint32_t size = m_settings.sizes.draw(m_sizes);
  const uint32_t flow = m_nextFlow;
  m_nextFlow = (m_nextFlow + 1) % m_settings.flows;
  m_buffer.resize(size);
  traffic::write_datagram({traffic::DatagramKind::data, m_settings.session, flow, m_seq[flow], static_cast<uint64_t>(now.ns())},
                          m_buffer);
  ++m_seq[flow];
  ++m_sent;
  m_sentBytes += size;
  m_client->SendFromPeer(Peer(flow), m_buffer);
  double seconds;
  switch (m_settings.rate.unit) {
    case traffic::Rate::Unit::packets_per_second: seconds = 1.0 / m_settings.rate.per_second; break;
    case traffic::Rate::Unit::bits_per_second: seconds = 8.0 * size / m_settings.rate.per_second; break;
    default: seconds = 8.0 * size / kUnlimitedBitsPerSecond; break;
  }
  ns3::Simulator::Schedule(ns3::Seconds(seconds), &FlowGroupSender::SendNext, this);
}

void FlowGroupSender::OnDatagram(uint16_t port, std::span<const uint8_t> payload) {
  if (!Owns(port)) return;
  const uint32_t flow = port - m_settings.first_port;
  const traffic::Decoded d = traffic::decode_datagram(payload);
  const phantasm::Time now = Now();
  if (d.ok && d.header.session == m_settings.session && d.header.kind == traffic::DatagramKind::warmup) {
    m_warmed[flow] = true;
    return;
  }
  // udpgen reads echoes while it runs: from the data phase to the end of the grace period.
  if (!m_settings.echo || !m_counting || now > m_end) return;
  if (d.ok && (d.header.session != m_settings.session || d.header.flow != flow)) {
    m_echoes[flow].on_rejected(traffic::Defect::misdirected, static_cast<uint64_t>(now.ns()));
    return;
  }
  m_echoes[flow].on_datagram(d, static_cast<uint64_t>(now.ns()));
  if (d.ok && d.header.kind == traffic::DatagramKind::data) m_arrivals.on_datagram(ArrivalPlace::kEcho, d.header.session, flow, now);
}

traffic::TrafficCounts FlowGroupSender::Echoed() const {
  traffic::TrafficCounts total;
  for (const traffic::FlowTracker& t : m_echoes) total += t.counts();
  return total;
}

}  // namespace phantasm::sim
