// IPv6 fixed header (RFC 8200 §3) as a zero-copy view; extension headers are walked by
// parse_packet.
#pragma once

#include <span>
#include <type_traits>

#include "engine/wire/bytes.h"
#include "engine/wire/ip_address.h"

namespace phantasm::wire::ipv6 {

namespace field {
inline constexpr size_t kVersionClassFlow = 0;  // 4 bits version, 8 class, 20 flow label
inline constexpr size_t kPayloadLength = 4;
inline constexpr size_t kNextHeader = 6;
inline constexpr size_t kHopLimit = 7;
inline constexpr Field kSrc{8, 24};
inline constexpr Field kDst{24, 40};
}  // namespace field

inline constexpr size_t kHeaderLen = 40;

// Next-header values (IANA "Assigned Internet Protocol Numbers").
inline constexpr uint8_t kHopByHop = 0;
inline constexpr uint8_t kTcp = 6;
inline constexpr uint8_t kRouting = 43;
inline constexpr uint8_t kFragment = 44;
inline constexpr uint8_t kEsp = 50;
inline constexpr uint8_t kAuth = 51;
inline constexpr uint8_t kNoNextHeader = 59;
inline constexpr uint8_t kDestinationOptions = 60;

template <typename Byte>
class Header {
 public:
  explicit Header(std::span<Byte> bytes) : b_(bytes) {}

  uint8_t version() const { return load8(b_, 0) >> 4; }
  uint8_t traffic_class() const { return static_cast<uint8_t>(load_be16(b_, 0) >> 4); }
  uint32_t flow_label() const { return load_be32(b_, 0) & 0xFFFFF; }
  uint16_t payload_length() const { return load_be16(b_, field::kPayloadLength); }
  uint8_t next_header() const { return load8(b_, field::kNextHeader); }
  uint8_t hop_limit() const { return load8(b_, field::kHopLimit); }
  IpAddress src() const { return IpAddress::from_bytes(IpVersion::kV6, cspan().subspan(field::kSrc.begin, 16)); }
  IpAddress dst() const { return IpAddress::from_bytes(IpVersion::kV6, cspan().subspan(field::kDst.begin, 16)); }

  void set_version_class_flow(uint8_t traffic_class, uint32_t flow_label) requires(!std::is_const_v<Byte>) {
    store_be32(b_, 0, 6u << 28 | static_cast<uint32_t>(traffic_class) << 20 | (flow_label & 0xFFFFF));
  }
  void set_payload_length(uint16_t v) requires(!std::is_const_v<Byte>) { store_be16(b_, field::kPayloadLength, v); }
  void set_next_header(uint8_t v) requires(!std::is_const_v<Byte>) { store8(b_, field::kNextHeader, v); }
  void set_hop_limit(uint8_t v) requires(!std::is_const_v<Byte>) { store8(b_, field::kHopLimit, v); }
  void set_src(const IpAddress& a) requires(!std::is_const_v<Byte>) { copy_addr(field::kSrc, a); }
  void set_dst(const IpAddress& a) requires(!std::is_const_v<Byte>) { copy_addr(field::kDst, a); }

 private:
  std::span<const uint8_t> cspan() const { return {b_.data(), b_.size()}; }
  void copy_addr(Field f, const IpAddress& a) requires(!std::is_const_v<Byte>) {
    auto src = a.bytes();
    for (size_t i = 0; i < 16; ++i) b_[f.begin + i] = src[i];
  }
  std::span<Byte> b_;
};

using View = Header<const uint8_t>;
using Writer = Header<uint8_t>;

}  // namespace phantasm::wire::ipv6
