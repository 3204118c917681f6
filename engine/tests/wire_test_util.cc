#include "engine/tests/wire_test_util.h"

namespace phantasm::wire::testing {
namespace {

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}
void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  put16(b, at, static_cast<uint16_t>(v >> 16));
  put16(b, at + 2, static_cast<uint16_t>(v));
}
uint16_t get16(std::span<const uint8_t> b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }

IpAddress addr_at(std::span<const uint8_t> packet, bool v4, size_t at) {
  return IpAddress::from_bytes(v4 ? IpVersion::kV4 : IpVersion::kV6, packet.subspan(at, v4 ? 4 : 16));
}

uint16_t tcp_checksum(const IpAddress& src, const IpAddress& dst, std::span<const uint8_t> segment) {
  const auto pseudo = naive_pseudo_header(src, dst, segment.size());
  return static_cast<uint16_t>(~naive_fold(naive_sum(segment, naive_sum(pseudo))));
}

std::vector<uint8_t> tcp_segment(const CraftedPacket& c) {
  const size_t hlen = 20 + c.tcp_options.size();
  std::vector<uint8_t> seg(hlen, 0);
  put16(seg, 0, c.src_port);
  put16(seg, 2, c.dst_port);
  put32(seg, 4, c.seq);
  put32(seg, 8, c.ack);
  seg[12] = static_cast<uint8_t>(c.doff_words.value_or(static_cast<uint8_t>(hlen / 4)) << 4);
  seg[13] = c.flags;
  put16(seg, 14, c.window);
  std::copy(c.tcp_options.begin(), c.tcp_options.end(), seg.begin() + 20);
  seg.insert(seg.end(), c.payload.begin(), c.payload.end());
  put16(seg, 16, tcp_checksum(c.src, c.dst, seg));
  return seg;
}

}  // namespace

std::string naive_check_packet(std::span<const uint8_t> packet) {
  if (packet.empty()) return "empty";
  const bool v4 = packet[0] >> 4 == 4;
  const size_t ip_len = v4 ? 20 : 40;
  if (packet.size() < ip_len + 20) return "too short";
  const size_t end = v4 ? get16(packet, 2) : ip_len + get16(packet, 4);
  if (end != packet.size()) return "length field disagrees with the packet size";
  if (v4 && !naive_verifies(packet.first(20))) return "bad IPv4 header checksum";
  const auto src = addr_at(packet, v4, v4 ? 12 : 8);
  const auto dst = addr_at(packet, v4, v4 ? 16 : 24);
  const auto segment = packet.subspan(ip_len);
  if (!naive_verifies(segment, naive_sum(naive_pseudo_header(src, dst, segment.size())))) {
    return "bad TCP checksum";
  }
  return {};
}

std::vector<uint8_t> CraftedPacket::bytes() const {
  const std::vector<uint8_t> seg = tcp_segment(*this);
  std::vector<uint8_t> out;
  if (src.is_v4()) {
    const size_t hlen = 20 + ip_options.size();
    out.assign(hlen, 0);
    out[0] = static_cast<uint8_t>(0x40 | ihl_words.value_or(static_cast<uint8_t>(hlen / 4)));
    out[1] = tos;
    put16(out, 2, total_length.value_or(static_cast<uint16_t>(hlen + seg.size())));
    put16(out, 4, ident);
    put16(out, 6, flags_fragment);
    out[8] = ttl;
    out[9] = protocol;
    std::copy(src.bytes().begin(), src.bytes().end(), out.begin() + 12);
    std::copy(dst.bytes().begin(), dst.bytes().end(), out.begin() + 16);
    std::copy(ip_options.begin(), ip_options.end(), out.begin() + 20);
    put16(out, 10, static_cast<uint16_t>(~naive_fold(naive_sum(out))));
  } else {
    out.assign(40, 0);
    out[0] = 0x60;
    size_t ext_len = 0;
    for (const auto& e : extensions) ext_len += e.length;
    put16(out, 4, payload_length.value_or(static_cast<uint16_t>(ext_len + seg.size())));
    out[6] = extensions.empty() ? protocol : extensions.front().type;
    out[7] = ttl;
    std::copy(src.bytes().begin(), src.bytes().end(), out.begin() + 8);
    std::copy(dst.bytes().begin(), dst.bytes().end(), out.begin() + 24);
    for (size_t i = 0; i < extensions.size(); ++i) {
      std::vector<uint8_t> ext(extensions[i].length, 0);
      ext[0] = i + 1 < extensions.size() ? extensions[i + 1].type : protocol;
      ext[1] = static_cast<uint8_t>(extensions[i].length / 8 - 1);
      out.insert(out.end(), ext.begin(), ext.end());
    }
  }
  out.insert(out.end(), seg.begin(), seg.end());
  out.insert(out.end(), trailer.begin(), trailer.end());
  return out;
}

CraftedPacket crafted_v4() {
  CraftedPacket c;
  c.src = IpAddress::v4({192, 168, 200, 2});
  c.dst = IpAddress::v4({192, 168, 201, 2});
  return c;
}

CraftedPacket crafted_v6() {
  CraftedPacket c;
  c.src = *IpAddress::parse("fcc8::2");
  c.dst = *IpAddress::parse("fcc9::2");
  return c;
}

std::vector<uint8_t> shorten_consistently(std::span<const uint8_t> packet, size_t ip_len) {
  std::vector<uint8_t> out(packet.begin(), packet.begin() + static_cast<long>(ip_len));
  if (out[0] >> 4 == 4) {
    put16(out, 2, static_cast<uint16_t>(ip_len));
    put16(out, 10, 0);
    put16(out, 10, static_cast<uint16_t>(~naive_fold(naive_sum(std::span(out).first((out[0] & 0xF) * 4u)))));
  } else {
    put16(out, 4, static_cast<uint16_t>(ip_len - 40));
  }
  return out;
}

void refresh_checksums(std::vector<uint8_t>& packet) {
  const bool v4 = packet[0] >> 4 == 4;
  size_t ip_len = 40;
  size_t end = 40 + get16(packet, 4);
  if (v4) {
    ip_len = (packet[0] & 0xFu) * 4;
    end = get16(packet, 2);
    put16(packet, 10, 0);
    put16(packet, 10, static_cast<uint16_t>(~naive_fold(naive_sum(std::span(packet).first(ip_len)))));
  }
  put16(packet, ip_len + 16, 0);
  const auto segment = std::span<const uint8_t>(packet).subspan(ip_len, end - ip_len);
  put16(packet, ip_len + 16,
        tcp_checksum(addr_at(packet, v4, v4 ? 12 : 8), addr_at(packet, v4, v4 ? 16 : 24), segment));
}

}  // namespace phantasm::wire::testing
