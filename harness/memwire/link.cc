#include "harness/memwire/link.h"

#include <algorithm>

namespace phantasm::memwire {
namespace {

// Nanoseconds to serialise `bytes` at `rate_bps`, rounded up so that a packet never takes 0.
Duration serialisation_time(size_t bytes, uint64_t rate_bps) {
  const __uint128_t bits_ns = static_cast<__uint128_t>(bytes) * 8u * 1'000'000'000u;
  return Duration{static_cast<int64_t>((bits_ns + rate_bps - 1) / rate_bps)};
}

// Bytes the serialiser still has to send at `now` when it is busy until `busy_until`.
uint64_t backlog_bytes(Time now, Time busy_until, uint64_t rate_bps) {
  if (busy_until <= now) return 0;
  const __uint128_t ns = static_cast<__uint128_t>((busy_until - now).count());
  return static_cast<uint64_t>(ns * rate_bps / 8u / 1'000'000'000u);
}

}  // namespace

Transmission Link::transmit(size_t bytes, Time now) {
  ++stats_.offered;
  Transmission t;

  Time departure = now;
  if (config_.rate_bps != 0) {
    if (config_.queue_bytes != 0 &&
        backlog_bytes(now, busy_until_, config_.rate_bps) + bytes > config_.queue_bytes) {
      ++stats_.queue_dropped;
      return t;
    }
    busy_until_ = std::max(now, busy_until_) + serialisation_time(bytes, config_.rate_bps);
    departure = busy_until_;
  }

  // Random draws happen only for impairments that are switched on, so a clean link consumes no
  // randomness and adding one impairment does not reshuffle another link's fates.
  if (config_.loss > 0.0 && rng_.chance(config_.loss)) {
    ++stats_.lost;
    return t;
  }
  t.arrivals[t.count++] = arrival_after(departure);
  if (config_.duplicate > 0.0 && rng_.chance(config_.duplicate)) {
    ++stats_.duplicated;
    t.arrivals[t.count++] = arrival_after(departure);
  }
  stats_.copies += t.count;
  return t;
}

Time Link::arrival_after(Time departure) {
  Duration extra{0};
  if (config_.jitter.count() > 0) {
    extra = Duration{static_cast<int64_t>(rng_.uniform(0, static_cast<uint64_t>(config_.jitter.count())))};
  }
  return departure + config_.delay + extra;
}

}  // namespace phantasm::memwire
