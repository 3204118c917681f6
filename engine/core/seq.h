// Sequence-number arithmetic modulo 2^32 (RFC 1982 serial numbers, as TCP uses them).
#pragma once

#include <cstdint>

namespace phantasm::seq {

// Signed distance from b to a: positive when a is after b.
constexpr int32_t diff(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b); }
constexpr bool after(uint32_t a, uint32_t b) { return diff(a, b) > 0; }
constexpr bool before(uint32_t a, uint32_t b) { return diff(a, b) < 0; }
constexpr bool at_or_after(uint32_t a, uint32_t b) { return diff(a, b) >= 0; }

}  // namespace phantasm::seq
