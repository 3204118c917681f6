#include "harness/traffic/format/hash64.h"

#include <cstring>

namespace phantasm::traffic {
namespace {

// Odd multipliers with well-spread bits (from the golden ratio and from splitmix64); odd makes
// the multiplication invertible modulo 2^64, which the single-word guarantee depends on.
constexpr uint64_t kSeed = 0x9E3779B97F4A7C15ULL;
constexpr uint64_t kMultiplier = 0xBF58476D1CE4E5B9ULL;
constexpr uint64_t kFinalMultiplier = 0x94D049BB133111EBULL;

// Little-endian load, so the hash is the same on every host (the datagrams cross machines).
uint64_t load_le64(const uint8_t* p) {
  uint64_t word = 0;
  for (int i = 7; i >= 0; --i) word = word << 8 | p[i];
  return word;
}

}  // namespace

Hash64::Hash64(uint64_t total_length) : state_(kSeed) { mix_word(total_length); }

// (state ^ word) * odd, then xor-shift: each part is invertible, so the step is a bijection of
// `state_` for fixed `word` and of `word` for fixed `state_`.
void Hash64::mix_word(uint64_t word) {
  state_ ^= word;
  state_ *= kMultiplier;
  state_ ^= state_ >> 31;
}

void Hash64::update(std::span<const uint8_t> bytes) {
  const size_t whole = bytes.size() / 8 * 8;
  for (size_t at = 0; at < whole; at += 8) mix_word(load_le64(bytes.data() + at));
  if (whole < bytes.size()) {
    uint8_t tail[8] = {};
    std::memcpy(tail, bytes.data() + whole, bytes.size() - whole);
    mix_word(load_le64(tail));
  }
}

// The murmur3/splitmix64 finaliser: also a bijection, it spreads the last word's bits.
uint64_t Hash64::finish() const {
  uint64_t h = state_;
  h ^= h >> 30;
  h *= kMultiplier;
  h ^= h >> 27;
  h *= kFinalMultiplier;
  h ^= h >> 31;
  return h;
}

uint64_t hash64(std::span<const uint8_t> bytes) {
  Hash64 hash(bytes.size());
  hash.update(bytes);
  return hash.finish();
}

}  // namespace phantasm::traffic
