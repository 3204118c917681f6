// What netfilter needs to know about one IP packet, read the way the kernel reads it: the IPv4 or
// IPv6 header, and for TCP the ports, numbers, flags, window, options and the lengths conntrack
// computes with (the IP header's length, not the buffer's). Plus the in-place edits a Linux box
// makes while forwarding: TTL / hop limit, and NAT's address and port rewrites with the
// checksums patched incrementally (RFC 1624), so a rewrite never repairs a checksum that was
// already wrong, as in the kernel.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/wire/ip_address.h"

namespace phantasm::sim {

inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoIcmp6 = 58;

// TCP flag bits as in the header's 13th byte.
namespace tcp_flag {
inline constexpr uint8_t kFin = 0x01;
inline constexpr uint8_t kSyn = 0x02;
inline constexpr uint8_t kRst = 0x04;
inline constexpr uint8_t kPsh = 0x08;
inline constexpr uint8_t kAck = 0x10;
inline constexpr uint8_t kUrg = 0x20;
inline constexpr uint8_t kEce = 0x40;
inline constexpr uint8_t kCwr = 0x80;
}  // namespace tcp_flag

// The TCP part of a packet. Fields past the first 8 bytes are meaningful only when
// `has_header` (20 bytes present); `header_complete` adds that the data offset is sane and
// the whole header (options included) is inside the segment, tcp_error()'s "truncated" test.
struct TcpFields {
  uint16_t sport = 0;
  uint16_t dport = 0;
  bool has_header = false;
  bool header_complete = false;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0;
  size_t header_len = 0;   // data offset * 4
  size_t segment_len = 0;  // TCP header + payload, from the IP length
  std::span<const uint8_t> options;  // empty unless header_complete

  size_t payload_len() const { return segment_len > header_len ? segment_len - header_len : 0; }
  bool syn() const { return flags & tcp_flag::kSyn; }
  bool ack_flag() const { return flags & tcp_flag::kAck; }
  bool fin() const { return flags & tcp_flag::kFin; }
  bool rst() const { return flags & tcp_flag::kRst; }
  // seq + payload + SYN + FIN: segment_seq_plus_len().
  uint32_t end() const {
    return seq + static_cast<uint32_t>(payload_len()) + (syn() ? 1u : 0u) + (fin() ? 1u : 0u);
  }
};

struct IpPacket {
  IpVersion version = IpVersion::kV4;
  IpAddress src;
  IpAddress dst;
  uint8_t protocol = 0;      // IPv6: the first header after the fixed one
  size_t l4_offset = 0;      // dataoff
  size_t total_len = 0;      // from the IP header (IPv6: 40 + payload length)
  uint8_t ttl = 0;           // or hop limit
  std::optional<TcpFields> tcp;  // protocol 6 with at least the 8 bytes of ports

  bool is_tcp() const { return tcp.has_value(); }
};

// Nothing when the bytes are not a well-formed IPv4/IPv6 packet (the IP layer would have
// dropped it before netfilter's hooks).
std::optional<IpPacket> parse_ip_packet(std::span<const uint8_t> bytes);

// Whether the TCP checksum over the segment (pseudo-header included) is right.
bool tcp_checksum_ok(std::span<const uint8_t> bytes, const IpPacket& p);

// In-place edits of a parsed packet; `p` is updated to match.
void set_source(std::span<uint8_t> bytes, IpPacket& p, const IpAddress& ip, uint16_t port);
void set_destination(std::span<uint8_t> bytes, IpPacket& p, const IpAddress& ip, uint16_t port);
// Decrements TTL / hop limit; false when it was already 1 or 0 (the packet must not be forwarded).
bool decrement_ttl(std::span<uint8_t> bytes, IpPacket& p);

// Recomputes the IPv4 header and TCP checksums from scratch (test and tool helper).
void fill_checksums(std::span<uint8_t> bytes);

}  // namespace phantasm::sim
