// 8-byte little-endian loads and stores at any alignment. memcpy compiles to one move on every
// host we build for; the swap keeps the bytes on the wire the same on a big-endian host.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace phantasm::traffic {

inline uint64_t load_le64(const uint8_t* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof word);
  if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
  return word;
}

inline void store_le64(uint8_t* p, uint64_t word) {
  if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
  std::memcpy(p, &word, sizeof word);
}

}  // namespace phantasm::traffic
