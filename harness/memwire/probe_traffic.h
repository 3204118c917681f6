// ProbeTraffic: simulated UDP applications that exchange probe datagrams over a Simulation.
// Each client peer (flow index f) sends `datagrams_per_flow` probes of `size` bytes, one every
// `interval`, the peers staggered evenly inside the interval. The server-side application, if
// asked to, answers every intact probe it receives with a fresh probe of the same size on the
// same flow. Two ProbeTrackers keep the books: upstream (client to server) and downstream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

#include "harness/memwire/probe_tracker.h"
#include "harness/memwire/simulation.h"

namespace phantasm::memwire {

struct ProbeTrafficConfig {
  size_t flows = 4;
  size_t datagrams_per_flow = 100;
  size_t size = 200;  // bytes per datagram, at least kProbeHeaderLen
  Duration interval = std::chrono::milliseconds(10);
  Time start = Time::zero();  // first send; the simulation's now() if that is later
  bool server_replies = true;
};

class ProbeTraffic {
 public:
  // Installs the simulation's datagram observers and schedules the client sends.
  ProbeTraffic(Simulation& sim, ProbeTrafficConfig config);
  ProbeTraffic(const ProbeTraffic&) = delete;
  ProbeTraffic& operator=(const ProbeTraffic&) = delete;

  const ProbeTracker& upstream() const { return upstream_; }
  const ProbeTracker& downstream() const { return downstream_; }
  // When the last client probe is sent.
  Time last_send() const;
  // Server flows that carried probes of more than one flow index (must stay 0).
  uint64_t server_flow_mixups() const { return server_flow_mixups_; }

 private:
  void send_next(uint32_t flow);
  void at_server(FlowId flow, std::span<const uint8_t> payload);

  Simulation& sim_;
  ProbeTrafficConfig config_;
  ProbeTracker upstream_;
  ProbeTracker downstream_;
  std::vector<uint8_t> scratch_;
  std::map<uint64_t, uint32_t> server_flow_index_;  // server FlowId -> the flow index it carries
  uint64_t server_flow_mixups_ = 0;
};

}  // namespace phantasm::memwire
