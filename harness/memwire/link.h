// Link: one direction of a simulated wire. It decides, for each packet put on it, whether and
// when copies of it arrive at the far end: seeded loss, a fixed propagation delay, jitter
// (a random extra delay per copy, which reorders packets closer together than the jitter),
// duplication, and an optional rate limit that serialises packets one after the other behind a
// bounded queue. The Link only computes fates; the host schedules the arrivals.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "engine/core/rng.h"
#include "engine/core/time.h"

namespace phantasm::memwire {

struct LinkConfig {
  Duration delay{0};         // propagation delay, every copy
  Duration jitter{0};        // extra delay per copy, uniform in [0, jitter]
  double loss = 0.0;         // probability a packet is lost on the wire
  double duplicate = 0.0;    // probability a delivered packet arrives twice
  uint64_t rate_bps = 0;     // serialisation rate; 0 = infinitely fast
  size_t queue_bytes = 0;    // with a rate: the most bytes waiting to be sent; 0 = unbounded
};

struct LinkStats {
  uint64_t offered = 0;       // packets put on the link
  uint64_t queue_dropped = 0; // refused by a full queue (rate-limited links only)
  uint64_t lost = 0;          // serialised, then lost on the wire
  uint64_t duplicated = 0;    // delivered twice
  uint64_t copies = 0;        // arrivals scheduled (delivered packets plus duplicates)
};

// What happened to one packet: zero, one or two arrival times at the far end.
struct Transmission {
  std::array<Time, 2> arrivals{};
  size_t count = 0;
};

class Link {
 public:
  Link(LinkConfig config, uint64_t seed) : config_(config), rng_(seed) {}

  // A packet of `bytes` bytes is handed to the link at `now`.
  Transmission transmit(size_t bytes, Time now);

  const LinkConfig& config() const { return config_; }
  const LinkStats& stats() const { return stats_; }

 private:
  Time arrival_after(Time departure);

  LinkConfig config_;
  Rng rng_;
  LinkStats stats_;
  Time busy_until_ = Time::zero();  // when the serialiser is free again
};

}  // namespace phantasm::memwire
