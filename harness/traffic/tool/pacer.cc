#include "harness/traffic/tool/pacer.h"

#include <algorithm>
#include <cmath>

namespace phantasm::traffic {

Pacer::Pacer(Rate rate, uint64_t start_ns, uint64_t burst_ns)
    : rate_(rate),
      tokens_(0),
      capacity_(rate.per_second * static_cast<double>(burst_ns) * 1e-9),
      last_ns_(start_ns) {}

double Pacer::cost(uint32_t bytes) const {
  return rate_.unit == Rate::Unit::bits_per_second ? 8.0 * bytes : 1.0;
}

void Pacer::refill(uint64_t now_ns) {
  if (now_ns <= last_ns_) return;
  tokens_ += rate_.per_second * static_cast<double>(now_ns - last_ns_) * 1e-9;
  last_ns_ = now_ns;
}

bool Pacer::try_take(uint32_t bytes, uint64_t now_ns) {
  if (rate_.unlimited()) return true;
  refill(now_ns);
  // Never hold less than one datagram's worth of room, or large datagrams at low rates
  // could never be sent.
  tokens_ = std::min(tokens_, std::max(capacity_, cost(bytes)));
  if (tokens_ < cost(bytes)) return false;
  tokens_ -= cost(bytes);
  return true;
}

void Pacer::give_back(uint32_t bytes) {
  if (!rate_.unlimited()) tokens_ += cost(bytes);
}

uint64_t Pacer::ready_at(uint32_t datagrams, uint32_t bytes, uint64_t now_ns) {
  if (rate_.unlimited()) return now_ns;
  refill(now_ns);
  const double wanted = std::min(cost(bytes) * datagrams, std::max(capacity_, cost(bytes)));
  if (tokens_ >= wanted) return now_ns;
  const double wait_s = (wanted - tokens_) / rate_.per_second;
  return now_ns + static_cast<uint64_t>(std::ceil(wait_s * 1e9));
}

}  // namespace phantasm::traffic
