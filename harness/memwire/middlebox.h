// The middlebox hook of the in-memory wire: a function that sees every IP packet between the
// client and the server and decides what goes on. It may pass the packet (emit it unchanged),
// drop it (emit nothing), rewrite it (emit a modified copy) or emit several packets, now or a
// little later. Middleboxes are plain values, so they compose (chain) and are easy to test
// without a simulation.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/time.h"

namespace phantasm::memwire {

enum class Direction : uint8_t { kClientToServer, kServerToClient };

constexpr Direction reverse(Direction d) {
  return d == Direction::kClientToServer ? Direction::kServerToClient : Direction::kClientToServer;
}
constexpr std::string_view to_string(Direction d) {
  return d == Direction::kClientToServer ? "c->s" : "s->c";
}
constexpr size_t index(Direction d) { return static_cast<size_t>(d); }

// Where a middlebox sends its output. The bytes are copied before the call returns.
class Emit {
 public:
  using Sink = std::function<void(std::span<const uint8_t> packet, Duration extra_delay)>;

  Emit(Time now, Sink sink) : now_(now), sink_(std::move(sink)) {}

  // The time the middlebox sees the packet.
  Time now() const { return now_; }
  // Sends `packet` on towards its destination.
  void operator()(std::span<const uint8_t> packet) const { sink_(packet, Duration{0}); }
  // Sends `packet` on after holding it for `delay` (reordering, delayed ACKs).
  void after(Duration delay, std::span<const uint8_t> packet) const { sink_(packet, delay); }

 private:
  Time now_;
  Sink sink_;
};

using Middlebox = std::function<void(Direction, std::span<const uint8_t> packet, const Emit& emit)>;

// Passes everything unchanged: the wire without a middlebox.
inline void pass_through(Direction, std::span<const uint8_t> packet, const Emit& emit) { emit(packet); }

// Runs `first`, then feeds each packet it emits through `second` (first is nearer the client
// for client-to-server packets; the order reverses for server-to-client packets, as on a path).
Middlebox chain(Middlebox first, Middlebox second);
// chain() over any number of middleboxes, client side first.
Middlebox chain(std::vector<Middlebox> boxes);

}  // namespace phantasm::memwire

namespace phantasm::memwire {

// Wraps a stateful middlebox object (anything callable as a Middlebox) that the caller keeps a
// handle on, to read its counters after the run.
template <typename Box>
Middlebox shared(std::shared_ptr<Box> box) {
  return [box = std::move(box)](Direction dir, std::span<const uint8_t> packet, const Emit& emit) {
    (*box)(dir, packet, emit);
  };
}

}  // namespace phantasm::memwire
