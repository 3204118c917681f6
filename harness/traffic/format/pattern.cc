#include "harness/traffic/format/pattern.h"

#include <cstring>

namespace phantasm::traffic {
namespace {

// splitmix64: a cheap generator whose consecutive outputs look independent, seeded from the key
// so that neighbouring sequence numbers give unrelated payloads.
class PatternStream {
 public:
  explicit PatternStream(const PatternKey& key)
      : state_(key.seq * 0x9E3779B97F4A7C15ULL ^ (uint64_t{key.flow} << 32 | key.session)) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t state_;
};

void store_le64(uint8_t* p, uint64_t word) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(word >> (8 * i));
}

}  // namespace

void fill_pattern(const PatternKey& key, std::span<uint8_t> out) {
  PatternStream stream(key);
  const size_t whole = out.size() / 8 * 8;
  for (size_t at = 0; at < whole; at += 8) store_le64(out.data() + at, stream.next());
  if (whole < out.size()) {
    uint8_t tail[8];
    store_le64(tail, stream.next());
    std::memcpy(out.data() + whole, tail, out.size() - whole);
  }
}

bool matches_pattern(const PatternKey& key, std::span<const uint8_t> bytes) {
  PatternStream stream(key);
  uint8_t expected[8];
  for (size_t at = 0; at < bytes.size(); at += 8) {
    store_le64(expected, stream.next());
    const size_t n = bytes.size() - at < 8 ? bytes.size() - at : 8;
    if (std::memcmp(expected, bytes.data() + at, n) != 0) return false;
  }
  return true;
}

}  // namespace phantasm::traffic
