// `phantasm udpgen send` in simulated time: a group of flows from consecutive local ports
// (127.0.0.1:first_port + i) into the client engine, with udpgen's datagram format (harness/
// traffic/format): warm-up datagrams first (uncounted; with echo, until every flow has heard
// back), then data paced at the group's rate (datagrams per second, or bits per second of UDP
// payload) and shared round-robin over the flows, sizes drawn from the size distribution, and
// with echo a grace period for the last answers. Echoes are checked by a FlowTracker per flow.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/traffic/format/flow_tracker.h"
#include "harness/traffic/tool/size_distribution.h"
#include "harness/traffic/tool/units.h"
#include "ns3/event-id.h"
#include "sim/model/engine_host.h"
#include "sim/model/flow_arrivals.h"

namespace phantasm::sim {

struct SenderSettings {
  uint32_t session = 1;
  uint32_t flows = 1;
  uint16_t first_port = 20000;
  traffic::Rate rate;
  traffic::SizeDistribution sizes = traffic::SizeDistribution::fixed(64);
  Duration warmup{0};
  Duration duration = std::chrono::seconds(10);
  bool echo = true;
  Duration grace = std::chrono::seconds(3);
  uint64_t seed = 1;
  std::string group;  // the scenario's name for it, for reports
};

class FlowGroupSender {
 public:
  FlowGroupSender(SenderSettings settings, ns3::Ptr<EngineHost> client, FlowArrivals& arrivals);

  // Warm-up and data from now on.
  void Start();
  // A datagram the client engine delivered to local port `port` (echoes, or a sink's answer).
  void OnDatagram(uint16_t port, std::span<const uint8_t> payload);
  bool Owns(uint16_t port) const { return port >= m_settings.first_port && port < m_settings.first_port + m_settings.flows; }

  uint64_t Sent() const { return m_sent; }
  uint64_t SentBytes() const { return m_sentBytes; }
  // What came back, all flows added up (meaningful with echo).
  traffic::TrafficCounts Echoed() const;
  uint32_t Session() const { return m_settings.session; }
  const std::string& Group() const { return m_settings.group; }
  bool Echo() const { return m_settings.echo; }
  // When the run is over, grace included (known once started).
  phantasm::Time EndTime() const { return m_end; }

 private:
  void WarmupRound();
  void SendNext();
  SocketAddress Peer(uint32_t flow) const;

  SenderSettings m_settings;
  ns3::Ptr<EngineHost> m_client;
  FlowArrivals& m_arrivals;
  Rng m_sizes;
  std::vector<traffic::FlowTracker> m_echoes;
  std::vector<bool> m_warmed;
  std::vector<uint64_t> m_seq;
  uint64_t m_round = 0;
  uint32_t m_nextFlow = 0;
  uint64_t m_sent = 0;
  uint64_t m_sentBytes = 0;
  phantasm::Time m_warmupEnd;
  phantasm::Time m_dataEnd;
  phantasm::Time m_end;
  bool m_counting = false;  // echoes counted from the data phase on, until the grace ends
  std::vector<uint8_t> m_buffer;
};

}  // namespace phantasm::sim
