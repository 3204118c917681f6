// The Internet checksum (RFC 1071), its incremental update (RFC 1624) and the TCP
// pseudo-headers of IPv4 (RFC 793) and IPv6 (RFC 8200 §8.1).
//
// Sums are carried as 64-bit partial sums: add any number of them, fold once at the end.
#pragma once

#include <cstdint>
#include <span>

#include "engine/wire/ip_address.h"

namespace phantasm::wire {

// One's-complement partial sum of `data` read as big-endian 16-bit words (an odd last byte is
// padded with zero), added to `initial`. `data` must start at an even offset of the summed
// region for the result to be meaningful when combined with other partial sums.
uint64_t checksum_add(std::span<const uint8_t> data, uint64_t initial = 0);

// Fold a partial sum to 16 bits (not inverted).
constexpr uint16_t checksum_fold(uint64_t sum) {
  sum = (sum & 0xFFFFFFFF) + (sum >> 32);
  sum = (sum & 0xFFFFFFFF) + (sum >> 32);
  sum = (sum & 0xFFFF) + (sum >> 16);
  sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// The value written into a header checksum field: ~fold(sum).
constexpr uint16_t checksum_finish(uint64_t sum) { return static_cast<uint16_t>(~checksum_fold(sum)); }

// Checksum of a whole region (what goes into the field when the field itself was zero).
inline uint16_t internet_checksum(std::span<const uint8_t> data) {
  return checksum_finish(checksum_add(data));
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit field changing from m to m'.
constexpr uint16_t checksum_update16(uint16_t old_checksum, uint16_t old_value, uint16_t new_value) {
  uint32_t sum = static_cast<uint16_t>(~old_checksum);
  sum += static_cast<uint16_t>(~old_value);
  sum += new_value;
  sum = (sum & 0xFFFF) + (sum >> 16);
  sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// The same for a 32-bit field (sequence and acknowledgement numbers).
constexpr uint16_t checksum_update32(uint16_t old_checksum, uint32_t old_value, uint32_t new_value) {
  const uint16_t hi = checksum_update16(old_checksum, static_cast<uint16_t>(old_value >> 16),
                                        static_cast<uint16_t>(new_value >> 16));
  return checksum_update16(hi, static_cast<uint16_t>(old_value), static_cast<uint16_t>(new_value));
}

// Partial sum of the TCP pseudo-header for a segment of `tcp_length` bytes (header + payload).
// Both addresses must be of the same version.
uint64_t pseudo_header_sum(const IpAddress& src, const IpAddress& dst, uint8_t protocol,
                           uint32_t tcp_length);

}  // namespace phantasm::wire
