// IPv4 header (RFC 791) as a zero-copy view. `Byte` is `const uint8_t` for a read-only view and
// `uint8_t` for a writable one; setters exist only on the latter.
#pragma once

#include <span>
#include <type_traits>

#include "engine/wire/bytes.h"
#include "engine/wire/checksum.h"
#include "engine/wire/ip_address.h"

namespace phantasm::wire::ipv4 {

namespace field {
inline constexpr size_t kVersionIhl = 0;
inline constexpr size_t kTos = 1;
inline constexpr size_t kTotalLength = 2;
inline constexpr size_t kIdent = 4;
inline constexpr size_t kFlagsFragment = 6;
inline constexpr size_t kTtl = 8;
inline constexpr size_t kProtocol = 9;
inline constexpr size_t kChecksum = 10;
inline constexpr Field kSrc{12, 16};
inline constexpr Field kDst{16, 20};
}  // namespace field

inline constexpr size_t kMinHeaderLen = 20;
inline constexpr uint16_t kFlagDontFragment = 0x4000;
inline constexpr uint16_t kFlagMoreFragments = 0x2000;
inline constexpr uint16_t kFragmentOffsetMask = 0x1FFF;
inline constexpr uint8_t kProtocolTcp = 6;

// The caller guarantees the span holds at least header_len() bytes (parse_packet checks it).
template <typename Byte>
class Header {
 public:
  explicit Header(std::span<Byte> bytes) : b_(bytes) {}

  uint8_t version() const { return load8(b_, field::kVersionIhl) >> 4; }
  size_t header_len() const { return static_cast<size_t>(load8(b_, field::kVersionIhl) & 0x0F) * 4; }
  uint8_t tos() const { return load8(b_, field::kTos); }
  uint16_t total_length() const { return load_be16(b_, field::kTotalLength); }
  uint16_t ident() const { return load_be16(b_, field::kIdent); }
  uint16_t flags_fragment() const { return load_be16(b_, field::kFlagsFragment); }
  bool dont_fragment() const { return flags_fragment() & kFlagDontFragment; }
  bool is_fragment() const {
    return (flags_fragment() & (kFlagMoreFragments | kFragmentOffsetMask)) != 0;
  }
  uint8_t ttl() const { return load8(b_, field::kTtl); }
  uint8_t protocol() const { return load8(b_, field::kProtocol); }
  uint16_t checksum() const { return load_be16(b_, field::kChecksum); }
  IpAddress src() const { return IpAddress::from_bytes(IpVersion::kV4, cspan().subspan(field::kSrc.begin, 4)); }
  IpAddress dst() const { return IpAddress::from_bytes(IpVersion::kV4, cspan().subspan(field::kDst.begin, 4)); }
  std::span<const uint8_t> options() const { return cspan().subspan(kMinHeaderLen, header_len() - kMinHeaderLen); }
  bool checksum_valid() const { return checksum_fold(checksum_add(cspan().first(header_len()))) == 0xFFFF; }

  void set_version_ihl(size_t header_len) requires(!std::is_const_v<Byte>) {
    store8(b_, field::kVersionIhl, static_cast<uint8_t>(0x40 | (header_len / 4)));
  }
  void set_tos(uint8_t v) requires(!std::is_const_v<Byte>) { store8(b_, field::kTos, v); }
  void set_total_length(uint16_t v) requires(!std::is_const_v<Byte>) { store_be16(b_, field::kTotalLength, v); }
  void set_ident(uint16_t v) requires(!std::is_const_v<Byte>) { store_be16(b_, field::kIdent, v); }
  void set_flags_fragment(uint16_t v) requires(!std::is_const_v<Byte>) { store_be16(b_, field::kFlagsFragment, v); }
  void set_ttl(uint8_t v) requires(!std::is_const_v<Byte>) { store8(b_, field::kTtl, v); }
  void set_protocol(uint8_t v) requires(!std::is_const_v<Byte>) { store8(b_, field::kProtocol, v); }
  void set_checksum(uint16_t v) requires(!std::is_const_v<Byte>) { store_be16(b_, field::kChecksum, v); }
  void set_src(const IpAddress& a) requires(!std::is_const_v<Byte>) { copy_addr(field::kSrc, a); }
  void set_dst(const IpAddress& a) requires(!std::is_const_v<Byte>) { copy_addr(field::kDst, a); }
  void fill_checksum() requires(!std::is_const_v<Byte>) {
    set_checksum(0);
    set_checksum(internet_checksum(cspan().first(header_len())));
  }

 private:
  std::span<const uint8_t> cspan() const { return {b_.data(), b_.size()}; }
  void copy_addr(Field f, const IpAddress& a) requires(!std::is_const_v<Byte>) {
    auto src = a.bytes();
    for (size_t i = 0; i < 4; ++i) b_[f.begin + i] = src[i];
  }
  std::span<Byte> b_;
};

using View = Header<const uint8_t>;
using Writer = Header<uint8_t>;

}  // namespace phantasm::wire::ipv4
