// The middlebox model interface: sans-I/O, like the engine. A model sees one IP packet at a time
// with its direction and the time, and answers with zero or more packets: the packet itself
// (passed or rewritten), nothing (dropped), copies, delayed packets, or packets of its own
// (injected resets) in either direction. Randomness comes from a seed; time only from `now`.
// The same objects run in the netns relay (NFQUEUE), the ns-3 simulation and the unit tests.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/time.h"

namespace phantasm::middlebox {

enum class Direction : uint8_t { kClientToServer, kServerToClient };

constexpr Direction reverse(Direction d) {
  return d == Direction::kClientToServer ? Direction::kServerToClient : Direction::kClientToServer;
}

// One packet a model lets out.
struct Output {
  Direction direction = Direction::kClientToServer;
  Duration delay{0};  // hold it this long before it goes on
  // True for a packet the model made up (a reset, a duplicate): the relay cannot return it as
  // the verdict of the packet that came in, it has to inject it.
  bool injected = false;
  std::vector<uint8_t> bytes;
};

using Outputs = std::vector<Output>;

// Counters every model keeps; models add their own beside them.
struct ModelCounters {
  uint64_t seen = 0;
  uint64_t passed = 0;     // went on unchanged
  uint64_t rewritten = 0;  // went on changed
  uint64_t dropped = 0;
  uint64_t injected = 0;   // packets of the model's own
};

class Model {
 public:
  virtual ~Model() = default;

  // A packet travelling `dir` reaches the model at `now`; what goes on is appended to `out`.
  virtual void on_packet(Direction dir, std::span<const uint8_t> packet, Time now, Outputs& out) = 0;
  // Time-driven behaviour (periodic injection). Called when now >= next_deadline().
  virtual void on_timer(Time /*now*/, Outputs& /*out*/) {}
  virtual Time next_deadline() const { return Time::never(); }
  // An external trigger, e.g. a scenario's `inject_rst` event. Models without one ignore it.
  virtual void trigger(Time /*now*/, Outputs& /*out*/) {}

  virtual std::string_view name() const = 0;
  const ModelCounters& counters() const { return counters_; }

 protected:
  // Helpers that keep the counters right.
  void pass(Direction dir, std::span<const uint8_t> packet, Outputs& out) {
    ++counters_.passed;
    out.push_back(Output{dir, Duration{0}, false, {packet.begin(), packet.end()}});
  }
  void forward(Direction dir, std::vector<uint8_t> bytes, Outputs& out, Duration delay = Duration{0}) {
    ++counters_.rewritten;
    out.push_back(Output{dir, delay, false, std::move(bytes)});
  }
  void inject(Direction dir, std::vector<uint8_t> bytes, Outputs& out, Duration delay = Duration{0}) {
    ++counters_.injected;
    out.push_back(Output{dir, delay, true, std::move(bytes)});
  }
  void drop() { ++counters_.dropped; }
  ModelCounters counters_;
};

// Models in path order (the first is nearest the client). Client-to-server packets go through
// them first to last, server-to-client packets last to first, as through boxes on a path. A
// delay is carried along and added up: put delaying models last, where the box releases the
// packet (from_scenario() does).
class Pipeline {
 public:
  void add(std::unique_ptr<Model> model) { models_.push_back(std::move(model)); }
  bool empty() const { return models_.empty(); }

  void on_packet(Direction dir, std::span<const uint8_t> packet, Time now, Outputs& out);
  void on_timer(Time now, Outputs& out);
  Time next_deadline() const;
  void trigger(Time now, Outputs& out);

  const std::vector<std::unique_ptr<Model>>& models() const { return models_; }

 private:
  // Feeds `in` through the models after `index` in its direction's order.
  void continue_from(size_t index, Output in, Time now, Outputs& out);

  std::vector<std::unique_ptr<Model>> models_;
};

}  // namespace phantasm::middlebox
