// Big-endian loads and stores on byte spans. Callers check lengths first (the views do it once
// in their checked constructors); these helpers only assert.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <span>

namespace phantasm::wire {

// A field is a half-open byte range [begin, end) inside a header.
struct Field {
  size_t begin;
  size_t end;
  constexpr size_t size() const { return end - begin; }
};

inline uint8_t load8(std::span<const uint8_t> b, size_t at) {
  assert(at < b.size());
  return b[at];
}
inline uint16_t load_be16(std::span<const uint8_t> b, size_t at) {
  assert(at + 2 <= b.size());
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}
inline uint32_t load_be32(std::span<const uint8_t> b, size_t at) {
  assert(at + 4 <= b.size());
  return static_cast<uint32_t>(b[at]) << 24 | static_cast<uint32_t>(b[at + 1]) << 16 |
         static_cast<uint32_t>(b[at + 2]) << 8 | static_cast<uint32_t>(b[at + 3]);
}
inline void store8(std::span<uint8_t> b, size_t at, uint8_t v) {
  assert(at < b.size());
  b[at] = v;
}
inline void store_be16(std::span<uint8_t> b, size_t at, uint16_t v) {
  assert(at + 2 <= b.size());
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}
inline void store_be32(std::span<uint8_t> b, size_t at, uint32_t v) {
  assert(at + 4 <= b.size());
  b[at] = static_cast<uint8_t>(v >> 24);
  b[at + 1] = static_cast<uint8_t>(v >> 16);
  b[at + 2] = static_cast<uint8_t>(v >> 8);
  b[at + 3] = static_cast<uint8_t>(v);
}

}  // namespace phantasm::wire
