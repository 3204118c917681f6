#include "engine/wire/checksum.h"

#include <bit>
#include <cstring>

namespace phantasm::wire {
namespace {

// Loads are memcpy'd (alignment-agnostic) and summed in native order; the one's-complement
// sum is byte-order independent up to a final byte swap (RFC 1071 §2(B)), applied on little
// endian hosts before returning.
inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint32_t load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline uint64_t add_with_carry(uint64_t a, uint64_t b) {
  const uint64_t s = a + b;
  return s + (s < a ? 1 : 0);
}

uint64_t native_sum(const uint8_t* p, size_t n) {
  uint64_t sum = 0;
  // Four independent accumulators hide the carry chain latency on long payloads.
  uint64_t s1 = 0, s2 = 0, s3 = 0;
  while (n >= 32) {
    sum = add_with_carry(sum, load64(p));
    s1 = add_with_carry(s1, load64(p + 8));
    s2 = add_with_carry(s2, load64(p + 16));
    s3 = add_with_carry(s3, load64(p + 24));
    p += 32;
    n -= 32;
  }
  sum = add_with_carry(sum, s1);
  s2 = add_with_carry(s2, s3);
  sum = add_with_carry(sum, s2);
  while (n >= 8) {
    sum = add_with_carry(sum, load64(p));
    p += 8;
    n -= 8;
  }
  if (n >= 4) {
    sum = add_with_carry(sum, load32(p));
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    sum = add_with_carry(sum, v);
    p += 2;
    n -= 2;
  }
  if (n == 1) {
    // The odd byte is the high-order byte of a big-endian word padded with zero; in native
    // (little-endian) order that is the low byte of a 16-bit lane.
    uint8_t pad[2] = {p[0], 0};
    uint16_t v;
    std::memcpy(&v, pad, 2);
    sum = add_with_carry(sum, v);
  }
  return sum;
}

}  // namespace

uint64_t checksum_add(std::span<const uint8_t> data, uint64_t initial) {
  uint64_t native = native_sum(data.data(), data.size());
  uint16_t folded = checksum_fold(native);
  if constexpr (std::endian::native == std::endian::little) {
    folded = static_cast<uint16_t>(folded << 8 | folded >> 8);
  }
  return initial + folded;
}

uint64_t pseudo_header_sum(const IpAddress& src, const IpAddress& dst, uint8_t protocol,
                           uint32_t tcp_length) {
  uint64_t sum = checksum_add(src.bytes());
  sum = checksum_add(dst.bytes(), sum);
  if (src.is_v4()) {
    // zero, protocol, 16-bit TCP length
    sum += protocol;
    sum += tcp_length & 0xFFFF;
  } else {
    // 32-bit upper-layer length, three zero bytes, next header
    sum += tcp_length >> 16;
    sum += tcp_length & 0xFFFF;
    sum += protocol;
  }
  return sum;
}

}  // namespace phantasm::wire
