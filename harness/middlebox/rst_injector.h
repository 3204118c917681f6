// Spoofed resets (middleboxes.md C.13). When triggered (a scenario's `inject_rst` event, or
// every `every`), it sends a RST into each connection it has seen recently, towards the client,
// the server or both, as if from the other end:
//   in_window: seq is exactly the next sequence number the receiver expects (an on-path
//              attacker that reads the stream; RFC 5961 lets such a RST close the connection);
//   blind:     seq is random (an off-path attacker that knows only the addresses and ports;
//              a correct receiver drops it or answers with a challenge ACK).
#pragma once

#include <optional>

#include "engine/core/rng.h"
#include "harness/middlebox/flow_table.h"
#include "harness/middlebox/model.h"

namespace phantasm::middlebox {

enum class RstTarget : uint8_t { kClient, kServer, kBoth };

struct RstInjectorConfig {
  bool in_window = true;
  RstTarget towards = RstTarget::kBoth;
  std::optional<Duration> every;
  size_t max_flows_per_trigger = 64;
};

class RstInjector : public Model {
 public:
  RstInjector(RstInjectorConfig config, uint64_t seed) : config_(config), rng_(seed ^ 0x5257ull) {}

  void on_packet(Direction dir, std::span<const uint8_t> packet, Time now, Outputs& out) override;
  void on_timer(Time now, Outputs& out) override;
  Time next_deadline() const override { return next_; }
  void trigger(Time now, Outputs& out) override;
  std::string_view name() const override { return "rst_injection"; }

 private:
  void reset_towards(Direction dir, const FlowKey& key, const FlowState& state, Outputs& out);

  RstInjectorConfig config_;
  Rng rng_;
  FlowTable flows_;
  Time next_ = Time::never();
};

// A bare RST from `from` to `to` (full checksums): shared by the models that inject resets.
std::vector<uint8_t> make_rst(const SocketAddress& from, const SocketAddress& to, uint32_t seq);

}  // namespace phantasm::middlebox
