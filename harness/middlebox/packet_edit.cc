#include "harness/middlebox/packet_edit.h"

#include <algorithm>

#include "engine/wire/bytes.h"
#include "engine/wire/checksum.h"
#include "engine/wire/tcp.h"

namespace phantasm::middlebox {
namespace {

constexpr size_t kIpv6HeaderLen = 40;
constexpr uint8_t kProtocolTcp = 6;

uint16_t word_at(std::span<const uint8_t> s, size_t even_offset) {
  const uint8_t hi = s[even_offset];
  const uint8_t lo = even_offset + 1 < s.size() ? s[even_offset + 1] : 0;
  return static_cast<uint16_t>(hi << 8 | lo);
}

}  // namespace

std::optional<TcpLocation> locate_tcp(std::span<const uint8_t> packet) {
  if (packet.empty()) return std::nullopt;
  size_t begin = 0;
  size_t end = 0;
  bool ipv6 = false;
  switch (packet[0] >> 4) {
    case 4:
      if (packet.size() < 20 || packet[9] != kProtocolTcp) return std::nullopt;
      begin = static_cast<size_t>(packet[0] & 0x0F) * 4;
      end = std::min<size_t>(packet.size(), wire::load_be16(packet, 2));
      break;
    case 6:
      if (packet.size() < kIpv6HeaderLen || packet[6] != kProtocolTcp) return std::nullopt;
      begin = kIpv6HeaderLen;
      end = std::min<size_t>(packet.size(), kIpv6HeaderLen + wire::load_be16(packet, 4));
      ipv6 = true;
      break;
    default:
      return std::nullopt;
  }
  if (begin < 20 || end < begin + wire::tcp::kMinHeaderLen) return std::nullopt;
  const size_t header_len = static_cast<size_t>(packet[begin + 12] >> 4) * 4;
  if (header_len < wire::tcp::kMinHeaderLen || begin + header_len > end) return std::nullopt;
  return TcpLocation{begin, end - begin, ipv6};
}

std::optional<TcpFields> read_tcp(std::span<const uint8_t> packet) {
  const auto at = locate_tcp(packet);
  if (!at) return std::nullopt;
  const auto seg = packet.subspan(at->offset, at->length);
  const wire::tcp::View t(seg);
  TcpFields f;
  if (at->ipv6) {
    f.src = IpAddress::from_bytes(IpVersion::kV6, packet.subspan(8, 16));
    f.dst = IpAddress::from_bytes(IpVersion::kV6, packet.subspan(24, 16));
  } else {
    f.src = IpAddress::from_bytes(IpVersion::kV4, packet.subspan(12, 4));
    f.dst = IpAddress::from_bytes(IpVersion::kV4, packet.subspan(16, 4));
  }
  f.src_port = t.src_port();
  f.dst_port = t.dst_port();
  f.seq = t.seq();
  f.ack = t.ack();
  f.flags = t.flags();
  f.window = t.window();
  f.header_len = t.header_len();
  f.payload_len = at->length - f.header_len;
  f.options = seg.subspan(20, f.header_len - 20);
  f.payload = seg.subspan(f.header_len);
  return f;
}

void set_seq(std::span<uint8_t> packet, const TcpLocation& at, uint32_t seq) {
  wire::tcp::Writer t(packet.subspan(at.offset, at.length));
  t.set_checksum(wire::checksum_update32(t.checksum(), t.seq(), seq));
  t.set_seq(seq);
}

void set_ack(std::span<uint8_t> packet, const TcpLocation& at, uint32_t ack) {
  wire::tcp::Writer t(packet.subspan(at.offset, at.length));
  t.set_checksum(wire::checksum_update32(t.checksum(), t.ack(), ack));
  t.set_ack(ack);
}

void overwrite_tcp_bytes(std::span<uint8_t> packet, const TcpLocation& at, size_t offset,
                         std::span<const uint8_t> bytes) {
  const auto seg = packet.subspan(at.offset, at.length);
  if (bytes.empty() || offset + bytes.size() > seg.size()) return;
  wire::tcp::Writer t(seg);
  uint16_t checksum = t.checksum();
  const size_t last = offset + bytes.size();
  // Word by word, aligned to the segment start (even in the pseudo-header sum).
  for (size_t w = offset & ~size_t{1}; w < last; w += 2) {
    const uint16_t before = word_at(seg, w);
    for (size_t i = w; i < w + 2 && i < seg.size(); ++i) {
      if (i >= offset && i < last) seg[i] = bytes[i - offset];
    }
    checksum = wire::checksum_update16(checksum, before, word_at(seg, w));
  }
  t.set_checksum(checksum);
}

bool insert_tcp_option(std::vector<uint8_t>& packet, std::span<const uint8_t> option) {
  const auto at = locate_tcp(packet);
  if (!at || option.size() % 4 != 0) return false;
  const size_t header_len = static_cast<size_t>(packet[at->offset + 12] >> 4) * 4;
  if (header_len + option.size() > wire::tcp::kMaxHeaderLen) return false;
  // Drop link padding beyond the IP length first, so the lengths below are the packet's.
  packet.resize(at->offset + at->length);
  packet.insert(packet.begin() + static_cast<std::ptrdiff_t>(at->offset + header_len), option.begin(), option.end());
  const size_t tcp_len = at->length + option.size();
  std::span<uint8_t> p(packet);
  if (at->ipv6) {
    wire::store_be16(p, 4, static_cast<uint16_t>(tcp_len));
  } else {
    wire::store_be16(p, 2, static_cast<uint16_t>(packet.size()));
    wire::store_be16(p, 10, 0);
    wire::store_be16(p, 10, wire::internet_checksum(p.first(at->offset)));
  }
  auto seg = p.subspan(at->offset, tcp_len);
  wire::tcp::Writer t(seg);
  t.set_header_len(header_len + option.size());
  t.set_checksum(0);
  const IpAddress src = at->ipv6 ? IpAddress::from_bytes(IpVersion::kV6, p.subspan(8, 16))
                                 : IpAddress::from_bytes(IpVersion::kV4, p.subspan(12, 4));
  const IpAddress dst = at->ipv6 ? IpAddress::from_bytes(IpVersion::kV6, p.subspan(24, 16))
                                 : IpAddress::from_bytes(IpVersion::kV4, p.subspan(16, 4));
  const uint64_t sum = wire::pseudo_header_sum(src, dst, kProtocolTcp, static_cast<uint32_t>(tcp_len));
  t.set_checksum(wire::checksum_finish(wire::checksum_add(seg, sum)));
  return true;
}

}  // namespace phantasm::middlebox
