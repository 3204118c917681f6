// Seeded pseudo-random source (xoshiro256**, seeded through splitmix64). The host supplies the
// seed, so every run of the engine is reproducible: ns-3 and the tests rely on that.
#pragma once

#include <cstdint>

namespace phantasm {

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& word : state_) word = splitmix64(seed);
  }

  uint64_t next_u64() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }
  uint32_t next_u32() { return static_cast<uint32_t>(next_u64() >> 32); }

  // Uniform in [lo, hi], inclusive; unbiased (Lemire's multiply-shift with rejection).
  uint64_t uniform(uint64_t lo, uint64_t hi) {
    const uint64_t span = hi - lo + 1;
    if (span == 0) return next_u64();  // the whole 64-bit range
    const uint64_t threshold = (0 - span) % span;
    for (;;) {
      const __uint128_t m = static_cast<__uint128_t>(next_u64()) * span;
      if (static_cast<uint64_t>(m) >= threshold) return lo + static_cast<uint64_t>(m >> 64);
    }
  }
  // True with probability p (0 <= p <= 1).
  bool chance(double p) {
    return static_cast<double>(next_u64() >> 11) * 0x1.0p-53 < p;
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t splitmix64(uint64_t& x) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t state_[4];
};

}  // namespace phantasm
