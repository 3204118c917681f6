// Test helpers for running the engines over the in-memory wire.
#pragma once

#include <cstdint>
#include <iomanip>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "harness/memwire/simulation.h"

namespace phantasm {
// Readable times in test failure messages: seconds with nanosecond precision.
inline void PrintTo(Time t, std::ostream* os) {
  if (t.is_never()) {
    *os << "never";
    return;
  }
  *os << t.ns() / 1'000'000'000 << "." << std::setw(9) << std::setfill('0') << t.ns() % 1'000'000'000 << " s";
}
}  // namespace phantasm

namespace phantasm::memwire::testing {

inline Time at_ms(int64_t ms) { return Time::zero() + std::chrono::milliseconds(ms); }
inline Time at_s(int64_t s) { return Time::zero() + std::chrono::seconds(s); }

inline std::vector<uint8_t> bytes(std::string_view text) { return std::vector<uint8_t>(text.begin(), text.end()); }

// Every datagram delivered to each side, in order of delivery.
struct Deliveries {
  std::vector<std::pair<size_t, std::vector<uint8_t>>> at_client;  // (peer, payload)
  std::vector<std::pair<FlowId, std::vector<uint8_t>>> at_server;

  void attach(Simulation& sim) {
    sim.on_client_datagram = [this](size_t peer, std::span<const uint8_t> p) {
      at_client.emplace_back(peer, std::vector<uint8_t>(p.begin(), p.end()));
    };
    sim.on_server_datagram = [this](FlowId f, std::span<const uint8_t> p) {
      at_server.emplace_back(f, std::vector<uint8_t>(p.begin(), p.end()));
    };
  }
};

// The sequence of (direction, flags) the endpoints put on the wire, as text: "c->s S", ...
inline std::vector<std::string> flag_sequence(const Simulation& sim) {
  std::vector<std::string> out;
  for (const auto& p : sim.trace()) out.push_back(std::string(to_string(p.dir)) + " " + tcp_flags_string(p.flags));
  return out;
}

// "reason=count, ..." for every non-zero drop counter, for failure messages.
inline std::string describe(const DropCounters& drops) {
  std::string out;
  for (size_t r = 0; r < kDropReasonCount; ++r) {
    const auto reason = static_cast<DropReason>(r);
    if (drops[reason] == 0) continue;
    if (!out.empty()) out += ", ";
    out += std::string(to_string(reason)) + "=" + std::to_string(drops[reason]);
  }
  return out.empty() ? "none" : out;
}

inline size_t count_events(const Simulation& sim, Side side, bool opened) {
  size_t n = 0;
  for (const auto& e : sim.flow_events()) n += (e.side == side && e.opened == opened) ? 1 : 0;
  return n;
}

}  // namespace phantasm::memwire::testing
