// The netns runner's recovery probe (netns-tests/runner/probe.h) in simulated time: one more
// tunnel flow, a 64-byte datagram every 50 ms, echo arrival times noted; a silence of ten
// intervals (at least half a second) is an outage. Recovery after a disruptive event is the time
// until the echoes resumed after the outage that event caused.
#pragma once

#include <optional>
#include <vector>

#include "sim/model/engine_host.h"
#include "sim/model/flow_arrivals.h"

namespace phantasm::sim {

class RecoveryProbe {
 public:
  RecoveryProbe(ns3::Ptr<EngineHost> client, uint16_t port, uint32_t session, FlowArrivals& arrivals);

  void Start();
  void Stop() { m_running = false; }
  void OnDatagram(uint16_t port, std::span<const uint8_t> payload);
  bool Owns(uint16_t port) const { return port == m_port; }

  // Seconds from `event` until echoes resumed after the outage it caused (the first gap that
  // spans it or starts within `slack` after it); 0 without an outage; nothing if they never did.
  std::optional<double> Recovery(phantasm::Time event, Duration slack) const;
  uint64_t Sent() const { return m_sent; }
  uint64_t Echoed() const { return m_echoed; }

 private:
  struct Gap {
    phantasm::Time start;
    phantasm::Time end;
  };
  void Send();

  ns3::Ptr<EngineHost> m_client;
  FlowArrivals& m_arrivals;
  uint16_t m_port;
  uint32_t m_session;
  bool m_running = false;
  uint64_t m_sent = 0;
  uint64_t m_echoed = 0;
  phantasm::Time m_lastEcho;
  std::vector<Gap> m_gaps;
  std::vector<uint8_t> m_buffer;
};

}  // namespace phantasm::sim
