// Test-only helpers for the wire codec tests: a naive Internet checksum that shares no code with
// engine/wire/checksum.cc, and a packet crafter that writes any header field, legal or not, so
// that every rejection path can be reached with otherwise valid checksums.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/wire/ip_address.h"
#include "engine/wire/packet.h"

namespace phantasm::wire::testing {

// RFC 1071 done the slow, obvious way: big-endian 16-bit words, an odd last byte padded with a
// zero, carries folded at the end. Kept deliberately unlike the engine's 64-bit native-order
// loop so that a shared mistake is unlikely.
inline uint32_t naive_sum(std::span<const uint8_t> data, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < data.size(); i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (data.size() % 2 != 0) sum += static_cast<uint32_t>(data.back() << 8);
  return sum;
}
inline uint16_t naive_fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(sum);
}

// The TCP pseudo-header as bytes (RFC 9293 §3.1 for IPv4, RFC 8200 §8.1 for IPv6).
inline std::vector<uint8_t> naive_pseudo_header(const IpAddress& src, const IpAddress& dst, size_t tcp_len) {
  std::vector<uint8_t> p(src.bytes().begin(), src.bytes().end());
  p.insert(p.end(), dst.bytes().begin(), dst.bytes().end());
  if (src.is_v4()) {
    p.insert(p.end(), {0, 6, static_cast<uint8_t>(tcp_len >> 8), static_cast<uint8_t>(tcp_len)});
  } else {
    p.insert(p.end(), {static_cast<uint8_t>(tcp_len >> 24), static_cast<uint8_t>(tcp_len >> 16),
                       static_cast<uint8_t>(tcp_len >> 8), static_cast<uint8_t>(tcp_len), 0, 0, 0, 6});
  }
  return p;
}

// True when the bytes, checksum field included, sum to 0xFFFF: how a receiver verifies.
inline bool naive_verifies(std::span<const uint8_t> data, uint32_t initial = 0) {
  return naive_fold(naive_sum(data, initial)) == 0xFFFF;
}

// The checksums of a well-formed IPv4 or IPv6 packet without extension headers or IPv4
// options, verified with the naive sum. Returns an empty string when both are right,
// otherwise what is wrong.
std::string naive_check_packet(std::span<const uint8_t> packet);

// "accepted" or the drop reason's stable name: reads well in a failed EXPECT_EQ.
inline std::string verdict(std::span<const uint8_t> packet, ChecksumPolicy policy = ChecksumPolicy::kVerify) {
  auto r = parse_packet(packet, policy);
  return r ? "accepted" : std::string(to_string(r.error()));
}
inline std::string name_of(DropReason r) { return std::string(to_string(r)); }

// One IPv6 extension header in a crafted chain; `length` is a multiple of 8, contents zero
// (which is valid padding for Hop-by-Hop and Destination Options).
struct Extension {
  uint8_t type;
  size_t length = 8;
};

// Any IPv4 or IPv6 + TCP packet, described field by field. bytes() fills in the length fields and
// both checksums (with the naive sum) unless an override says otherwise, so a test changes just
// the one field it is about.
struct CraftedPacket {
  IpAddress src;
  IpAddress dst;
  // IPv4
  uint8_t tos = 0;
  uint16_t ident = 0;
  uint16_t flags_fragment = 0x4000;  // DF
  uint8_t ttl = 64;
  uint8_t protocol = 6;  // IPv4 protocol, or the IPv6 next header after the extension chain
  std::vector<uint8_t> ip_options;  // IPv4 only; caller pads to a multiple of 4
  std::optional<uint8_t> ihl_words;
  std::optional<uint16_t> total_length;
  // IPv6
  std::vector<Extension> extensions;
  std::optional<uint16_t> payload_length;
  // TCP
  uint16_t src_port = 40000;
  uint16_t dst_port = 4567;
  uint32_t seq = 1;
  uint32_t ack = 1;
  uint8_t flags = 0x10;  // ACK
  uint16_t window = 0xFFFF;
  std::vector<uint8_t> tcp_options;  // caller pads to a multiple of 4
  std::optional<uint8_t> doff_words;
  std::vector<uint8_t> payload;
  // Link padding after the IP packet (not counted in any length field).
  std::vector<uint8_t> trailer;

  std::vector<uint8_t> bytes() const;
};

CraftedPacket crafted_v4();  // 192.168.200.2:40000 > 192.168.201.2:4567, ACK, seq 1, ack 1
CraftedPacket crafted_v6();  // fcc8::2:40000 > fcc9::2:4567, ACK, seq 1, ack 1

// Shortens an IPv4/IPv6 packet to `ip_len` bytes and rewrites its length field (and the IPv4
// header checksum) to match, leaving the TCP checksum as it was: a packet that is consistent at
// the IP layer but whose TCP segment is cut short.
std::vector<uint8_t> shorten_consistently(std::span<const uint8_t> packet, size_t ip_len);

// Recomputes the IPv4 header checksum (if IPv4) and the TCP checksum of a packet without IPv6
// extension headers, after a test edited a field in place.
void refresh_checksums(std::vector<uint8_t>& packet);

}  // namespace phantasm::wire::testing
