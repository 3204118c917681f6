// Where the TCP segment sits in an IPv4 or IPv6 packet, and edits of it the way a middlebox
// makes them: a field changes and the TCP checksum is patched incrementally (RFC 1624), so an
// edit never repairs a checksum that was already wrong. Growing a packet (an inserted option)
// recomputes the lengths and checksums instead.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/wire/ip_address.h"

namespace phantasm::middlebox {

struct TcpLocation {
  size_t offset = 0;  // of the TCP header in the packet
  size_t length = 0;  // TCP header + payload (up to the IP length)
  bool ipv6 = false;
};

// Nothing when the packet is not TCP (IPv6 with extension headers counts as not TCP) or too
// short to hold a TCP header of the length it claims.
std::optional<TcpLocation> locate_tcp(std::span<const uint8_t> packet);

// Fields of a located segment, read without any validation beyond locate_tcp's.
struct TcpFields {
  IpAddress src;
  IpAddress dst;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = 0;
  uint16_t window = 0;
  size_t header_len = 0;
  size_t payload_len = 0;
  std::span<const uint8_t> options;
  std::span<const uint8_t> payload;
};
std::optional<TcpFields> read_tcp(std::span<const uint8_t> packet);

void set_seq(std::span<uint8_t> packet, const TcpLocation& at, uint32_t seq);
void set_ack(std::span<uint8_t> packet, const TcpLocation& at, uint32_t ack);
// Overwrites bytes of the TCP segment at `offset` (from the TCP header) and patches the checksum.
void overwrite_tcp_bytes(std::span<uint8_t> packet, const TcpLocation& at, size_t offset,
                         std::span<const uint8_t> bytes);

// Inserts `option` (whole 32-bit words) at the end of the TCP header: IP length, data offset,
// IPv4 header checksum and the TCP checksum are recomputed. False if the header would exceed
// 60 bytes.
bool insert_tcp_option(std::vector<uint8_t>& packet, std::span<const uint8_t> option);

// Calls `f(kind, offset_in_tcp_header, length)` for each option of the header (NOPs and the
// end-of-list excluded); stops quietly at a malformed one.
template <typename F>
void for_each_option(std::span<const uint8_t> tcp_header, F&& f) {
  size_t i = 20;
  while (i < tcp_header.size()) {
    const uint8_t kind = tcp_header[i];
    if (kind == 0) return;
    if (kind == 1) {
      ++i;
      continue;
    }
    if (i + 1 >= tcp_header.size()) return;
    const uint8_t len = tcp_header[i + 1];
    if (len < 2 || i + len > tcp_header.size()) return;
    f(kind, i, static_cast<size_t>(len));
    i += len;
  }
}

}  // namespace phantasm::middlebox
