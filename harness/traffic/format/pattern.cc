#include "harness/traffic/format/pattern.h"

#include <cstring>

#include "harness/traffic/format/little_endian.h"

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
  const size_t whole = bytes.size() / 8 * 8;
  uint64_t difference = 0;  // accumulated rather than tested per word: the common case is a match
  for (size_t at = 0; at < whole; at += 8) difference |= load_le64(bytes.data() + at) ^ stream.next();
  if (whole < bytes.size()) {
    uint8_t expected[8];
    store_le64(expected, stream.next());
    if (std::memcmp(expected, bytes.data() + whole, bytes.size() - whole) != 0) return false;
  }
  return difference == 0;
}

}  // namespace phantasm::traffic
