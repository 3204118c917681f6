// TCP header (RFC 9293 §3.1) as a zero-copy view, plus its flag bits and option kinds.
#pragma once

#include <span>
#include <type_traits>

#include "engine/wire/bytes.h"

namespace phantasm::wire::tcp {

namespace field {
inline constexpr size_t kSrcPort = 0;
inline constexpr size_t kDstPort = 2;
inline constexpr size_t kSeq = 4;
inline constexpr size_t kAck = 8;
inline constexpr size_t kDataOffset = 12;  // high nibble, in 32-bit words
inline constexpr size_t kFlags = 13;
inline constexpr size_t kWindow = 14;
inline constexpr size_t kChecksum = 16;
inline constexpr size_t kUrgent = 18;
}  // namespace field

inline constexpr size_t kMinHeaderLen = 20;
inline constexpr size_t kMaxHeaderLen = 60;
inline constexpr uint8_t kProtocolNumber = 6;

namespace flag {
inline constexpr uint8_t kFin = 0x01;
inline constexpr uint8_t kSyn = 0x02;
inline constexpr uint8_t kRst = 0x04;
inline constexpr uint8_t kPsh = 0x08;
inline constexpr uint8_t kAck = 0x10;
inline constexpr uint8_t kUrg = 0x20;
inline constexpr uint8_t kEce = 0x40;
inline constexpr uint8_t kCwr = 0x80;
}  // namespace flag

namespace option {
inline constexpr uint8_t kEnd = 0;
inline constexpr uint8_t kNop = 1;
inline constexpr uint8_t kMss = 2;
inline constexpr uint8_t kWindowScale = 3;
inline constexpr uint8_t kSackPermitted = 4;
inline constexpr uint8_t kSack = 5;
inline constexpr uint8_t kTimestamps = 8;
inline constexpr uint8_t kExperimental = 253;  // RFC 4727 / RFC 6994
// RFC 7323 §2.3: a shift above 14 is treated as 14.
inline constexpr uint8_t kMaxWindowScale = 14;
}  // namespace option

template <typename Byte>
class Header {
 public:
  explicit Header(std::span<Byte> bytes) : b_(bytes) {}

  uint16_t src_port() const { return load_be16(b_, field::kSrcPort); }
  uint16_t dst_port() const { return load_be16(b_, field::kDstPort); }
  uint32_t seq() const { return load_be32(b_, field::kSeq); }
  uint32_t ack() const { return load_be32(b_, field::kAck); }
  size_t header_len() const { return static_cast<size_t>(load8(b_, field::kDataOffset) >> 4) * 4; }
  uint8_t flags() const { return load8(b_, field::kFlags); }
  uint16_t window() const { return load_be16(b_, field::kWindow); }
  uint16_t checksum() const { return load_be16(b_, field::kChecksum); }
  uint16_t urgent() const { return load_be16(b_, field::kUrgent); }
  std::span<const uint8_t> options() const {
    return std::span<const uint8_t>(b_.data(), b_.size()).subspan(kMinHeaderLen, header_len() - kMinHeaderLen);
  }

  void set_src_port(uint16_t v) requires(!std::is_const_v<Byte>) { store_be16(b_, field::kSrcPort, v); }
  void set_dst_port(uint16_t v) requires(!std::is_const_v<Byte>) { store_be16(b_, field::kDstPort, v); }
  void set_seq(uint32_t v) requires(!std::is_const_v<Byte>) { store_be32(b_, field::kSeq, v); }
  void set_ack(uint32_t v) requires(!std::is_const_v<Byte>) { store_be32(b_, field::kAck, v); }
  // Also clears the reserved bits (and NS).
  void set_header_len(size_t len) requires(!std::is_const_v<Byte>) {
    store8(b_, field::kDataOffset, static_cast<uint8_t>((len / 4) << 4));
  }
  void set_flags(uint8_t v) requires(!std::is_const_v<Byte>) { store8(b_, field::kFlags, v); }
  void set_window(uint16_t v) requires(!std::is_const_v<Byte>) { store_be16(b_, field::kWindow, v); }
  void set_checksum(uint16_t v) requires(!std::is_const_v<Byte>) { store_be16(b_, field::kChecksum, v); }
  void set_urgent(uint16_t v) requires(!std::is_const_v<Byte>) { store_be16(b_, field::kUrgent, v); }

 private:
  std::span<Byte> b_;
};

using View = Header<const uint8_t>;
using Writer = Header<uint8_t>;

}  // namespace phantasm::wire::tcp
