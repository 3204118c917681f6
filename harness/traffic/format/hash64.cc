#include "harness/traffic/format/hash64.h"

#include <cstring>

#include "harness/traffic/format/little_endian.h"

namespace phantasm::traffic {
namespace {

// Odd multipliers with well-spread bits (from the golden ratio and from splitmix64); odd makes
// the multiplication invertible modulo 2^64, which the single-word guarantee depends on.
constexpr uint64_t kSeed = 0x9E3779B97F4A7C15ULL;
constexpr uint64_t kMultiplier = 0xBF58476D1CE4E5B9ULL;
constexpr uint64_t kFinalMultiplier = 0x94D049BB133111EBULL;

// (lane ^ word) * odd, then xor-shift: each part is invertible, so the step is a bijection of
// the lane for a fixed word and of the word for a fixed lane.
inline uint64_t step(uint64_t lane, uint64_t word) {
  lane ^= word;
  lane *= kMultiplier;
  return lane ^ (lane >> 31);
}

}  // namespace

Hash64::Hash64(uint64_t total_length)
    : lanes_{kSeed, kSeed + 1, kSeed + 2, kSeed + 3}, total_length_(total_length) {}

void Hash64::mix_word(uint64_t word) {
  uint64_t& lane = lanes_[words_ % 4];
  lane = step(lane, word);
  ++words_;
}

void Hash64::update(std::span<const uint8_t> bytes) {
  const uint8_t* p = bytes.data();
  size_t left = bytes.size();
  while (left >= 8 && words_ % 4 != 0) {
    mix_word(load_le64(p));
    p += 8;
    left -= 8;
  }
  // Whole rounds of four words, one per lane: the four multiplies do not wait on each other.
  uint64_t a = lanes_[0], b = lanes_[1], c = lanes_[2], d = lanes_[3];
  for (; left >= 32; p += 32, left -= 32) {
    a = step(a, load_le64(p));
    b = step(b, load_le64(p + 8));
    c = step(c, load_le64(p + 16));
    d = step(d, load_le64(p + 24));
    words_ += 4;
  }
  lanes_ = {a, b, c, d};
  for (; left >= 8; p += 8, left -= 8) mix_word(load_le64(p));
  if (left > 0) {
    uint8_t tail[8] = {};
    std::memcpy(tail, p, left);
    mix_word(load_le64(tail));
  }
}

// Folds the length and the lanes in one at a time (each fold a bijection of the running value
// and of the lane), then the murmur3/splitmix64 finaliser spreads the last bits.
uint64_t Hash64::finish() const {
  uint64_t h = step(kSeed, total_length_);
  for (const uint64_t lane : lanes_) h = step(h, lane);
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
