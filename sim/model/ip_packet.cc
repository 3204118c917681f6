#include "sim/model/ip_packet.h"

#include "engine/wire/checksum.h"

namespace phantasm::sim {
namespace {

uint16_t load16(std::span<const uint8_t> b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }

uint32_t load32(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint32_t>(b[at]) << 24 | static_cast<uint32_t>(b[at + 1]) << 16 |
         static_cast<uint32_t>(b[at + 2]) << 8 | b[at + 3];
}

void store16(std::span<uint8_t> b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

void parse_tcp(std::span<const uint8_t> bytes, IpPacket& p) {
  const size_t seg = p.total_len - p.l4_offset;
  if (seg < 8) return;  // not even the ports: conntrack cannot build a tuple
  TcpFields t;
  const auto s = bytes.subspan(p.l4_offset, seg);
  t.sport = load16(s, 0);
  t.dport = load16(s, 2);
  t.segment_len = seg;
  if (seg >= 20) {
    t.has_header = true;
    t.seq = load32(s, 4);
    t.ack = load32(s, 8);
    t.header_len = static_cast<size_t>(s[12] >> 4) * 4;
    t.flags = s[13];
    t.window = load16(s, 14);
    t.header_complete = t.header_len >= 20 && t.header_len <= seg;
    if (t.header_complete) t.options = s.subspan(20, t.header_len - 20);
  }
  p.tcp = t;
}

// The checksum fields' offsets within the packet: IPv4 header (or none) and TCP.
size_t tcp_checksum_at(const IpPacket& p) { return p.l4_offset + 16; }

void patch_tcp16(std::span<uint8_t> bytes, const IpPacket& p, uint16_t old_value, uint16_t new_value) {
  if (!p.tcp || !p.tcp->has_header) return;
  const size_t at = tcp_checksum_at(p);
  store16(bytes, at, wire::checksum_update16(load16(bytes, at), old_value, new_value));
}

void patch_ipv4_header16(std::span<uint8_t> bytes, uint16_t old_value, uint16_t new_value) {
  store16(bytes, 10, wire::checksum_update16(load16(bytes, 10), old_value, new_value));
}

// Rewrites an address field word by word, patching the checksums that cover it: the IPv4
// header's, and TCP's through the pseudo-header.
void rewrite_address(std::span<uint8_t> bytes, IpPacket& p, size_t at, const IpAddress& ip) {
  const auto fresh = ip.bytes();
  for (size_t i = 0; i < fresh.size(); i += 2) {
    const uint16_t before = load16(bytes, at + i);
    const uint16_t after = static_cast<uint16_t>(fresh[i] << 8 | fresh[i + 1]);
    if (before == after) continue;
    store16(bytes, at + i, after);
    if (p.version == IpVersion::kV4) patch_ipv4_header16(bytes, before, after);
    patch_tcp16(bytes, p, before, after);
  }
}

void rewrite_port(std::span<uint8_t> bytes, IpPacket& p, size_t offset_in_tcp, uint16_t port) {
  const size_t at = p.l4_offset + offset_in_tcp;
  const uint16_t before = load16(bytes, at);
  if (before == port) return;
  store16(bytes, at, port);
  patch_tcp16(bytes, p, before, port);
}

}  // namespace

std::optional<IpPacket> parse_ip_packet(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return std::nullopt;
  IpPacket p;
  const uint8_t version = bytes[0] >> 4;
  if (version == 4) {
    if (bytes.size() < 20) return std::nullopt;
    const size_t ihl = static_cast<size_t>(bytes[0] & 0x0F) * 4;
    const size_t total = load16(bytes, 2);
    if (ihl < 20 || total < ihl || total > bytes.size()) return std::nullopt;
    p.version = IpVersion::kV4;
    p.src = IpAddress::from_bytes(IpVersion::kV4, bytes.subspan(12, 4));
    p.dst = IpAddress::from_bytes(IpVersion::kV4, bytes.subspan(16, 4));
    p.protocol = bytes[9];
    p.ttl = bytes[8];
    p.l4_offset = ihl;
    p.total_len = total;
  } else if (version == 6) {
    if (bytes.size() < 40) return std::nullopt;
    const size_t total = 40 + static_cast<size_t>(load16(bytes, 4));
    if (total > bytes.size()) return std::nullopt;
    p.version = IpVersion::kV6;
    p.src = IpAddress::from_bytes(IpVersion::kV6, bytes.subspan(8, 16));
    p.dst = IpAddress::from_bytes(IpVersion::kV6, bytes.subspan(24, 16));
    p.protocol = bytes[6];
    p.ttl = bytes[7];
    p.l4_offset = 40;
    p.total_len = total;
  } else {
    return std::nullopt;
  }
  if (p.protocol == kProtoTcp) parse_tcp(bytes, p);
  return p;
}

bool tcp_checksum_ok(std::span<const uint8_t> bytes, const IpPacket& p) {
  const uint32_t len = static_cast<uint32_t>(p.total_len - p.l4_offset);
  const uint64_t sum = wire::checksum_add(bytes.subspan(p.l4_offset, len),
                                          wire::pseudo_header_sum(p.src, p.dst, kProtoTcp, len));
  return wire::checksum_fold(sum) == 0xFFFF;
}

void set_source(std::span<uint8_t> bytes, IpPacket& p, const IpAddress& ip, uint16_t port) {
  rewrite_address(bytes, p, p.version == IpVersion::kV4 ? 12 : 8, ip);
  p.src = ip;
  if (p.tcp) {
    rewrite_port(bytes, p, 0, port);
    p.tcp->sport = port;
  }
}

void set_destination(std::span<uint8_t> bytes, IpPacket& p, const IpAddress& ip, uint16_t port) {
  rewrite_address(bytes, p, p.version == IpVersion::kV4 ? 16 : 24, ip);
  p.dst = ip;
  if (p.tcp) {
    rewrite_port(bytes, p, 2, port);
    p.tcp->dport = port;
  }
}

bool decrement_ttl(std::span<uint8_t> bytes, IpPacket& p) {
  if (p.ttl <= 1) return false;
  if (p.version == IpVersion::kV4) {
    const uint16_t before = load16(bytes, 8);
    bytes[8] = static_cast<uint8_t>(p.ttl - 1);
    patch_ipv4_header16(bytes, before, load16(bytes, 8));
  } else {
    bytes[7] = static_cast<uint8_t>(p.ttl - 1);
  }
  --p.ttl;
  return true;
}

void fill_checksums(std::span<uint8_t> bytes) {
  auto parsed = parse_ip_packet(bytes);
  if (!parsed) return;
  if (parsed->version == IpVersion::kV4) {
    const size_t ihl = parsed->l4_offset;
    store16(bytes, 10, 0);
    store16(bytes, 10, wire::internet_checksum(bytes.first(ihl)));
  }
  if (!parsed->tcp || !parsed->tcp->has_header) return;
  const uint32_t len = static_cast<uint32_t>(parsed->total_len - parsed->l4_offset);
  store16(bytes, tcp_checksum_at(*parsed), 0);
  const uint64_t sum = wire::checksum_add(bytes.subspan(parsed->l4_offset, len),
                                          wire::pseudo_header_sum(parsed->src, parsed->dst, kProtoTcp, len));
  store16(bytes, tcp_checksum_at(*parsed), wire::checksum_finish(sum));
}

}  // namespace phantasm::sim
