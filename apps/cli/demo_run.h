// The demo's simulation: options in, a DemoResult out. No printing here (demo_report does it).
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "engine/endpoint/counters.h"
#include "harness/memwire/link.h"
#include "harness/memwire/probe_tracker.h"
#include "harness/memwire/trace.h"

namespace phantasm::cli {

struct DemoOptions {
  size_t flows = 4;            // client UDP peers, one fake-TCP connection each
  size_t datagrams = 200;      // per peer
  size_t size = 400;           // bytes per datagram
  double interval_ms = 10;     // between a peer's datagrams
  double delay_ms = 5;         // one way
  double jitter_ms = 3;        // extra random delay per packet: reorders packets closer than this
  double loss = 0.01;          // probability per packet, each way
  uint64_t seed = 1;
  size_t trace = 14;           // packets to show
  bool json = false;
};

struct DemoResult {
  DemoOptions options;
  Duration ran_for{0};
  memwire::ProbeCounts up;    // client -> server datagrams
  memwire::ProbeCounts down;  // server -> client datagrams
  uint64_t server_flow_mixups = 0;
  std::array<memwire::LinkStats, 2> network{};  // per direction, both legs added up
  EndpointCounters client;
  EndpointCounters server;
  size_t client_flows = 0;
  size_t server_flows = 0;
  uint64_t timer_stalls = 0;
  std::vector<memwire::TracedPacket> trace;

  // Nothing happened that a correct tunnel never does.
  bool healthy() const {
    return up.corrupted == 0 && down.corrupted == 0 && up.misrouted == 0 && down.misrouted == 0 &&
           server_flow_mixups == 0 && timer_stalls == 0;
  }
};

DemoResult run_demo_simulation(const DemoOptions& options);

}  // namespace phantasm::cli
