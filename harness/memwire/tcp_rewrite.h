// In-place edits of the TCP header of an IP packet, the way a middlebox makes them: change a
// field and patch the TCP checksum incrementally (RFC 1624) instead of recomputing it, so that
// an edit never repairs a checksum that was already wrong.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace phantasm::memwire {

// The TCP header and payload inside an IPv4 packet (any IHL) or an IPv6 packet without
// extension headers; nothing when the packet is not TCP or too short to hold a TCP header.
std::optional<std::span<uint8_t>> tcp_segment_of(std::span<uint8_t> packet);
std::optional<std::span<const uint8_t>> tcp_segment_of(std::span<const uint8_t> packet);

// Sets the sequence / acknowledgement number and patches the checksum.
void rewrite_seq(std::span<uint8_t> segment, uint32_t seq);
void rewrite_ack(std::span<uint8_t> segment, uint32_t ack);

// Overwrites segment[offset, offset + bytes.size()) and patches the checksum, 16-bit word by
// 16-bit word (words are aligned to the start of the segment, which is even in the
// pseudo-header-plus-segment sum).
void rewrite_bytes(std::span<uint8_t> segment, size_t offset, std::span<const uint8_t> bytes);

}  // namespace phantasm::memwire
