#include "sim/test/segment_builder.h"

#include "sim/model/ip_packet.h"

namespace phantasm::sim::test {

std::vector<uint8_t> build_segment(const SegmentSpec& s) {
  std::vector<uint8_t> options = s.options;
  while (options.size() % 4) options.push_back(1);
  const size_t tcp_len = 20 + options.size() + s.payload;
  const bool v6 = s.src.is_v6();
  const size_t ip_len = v6 ? 40 : 20;
  std::vector<uint8_t> p(ip_len + tcp_len, 0);
  if (v6) {
    p[0] = 0x60;
    p[4] = static_cast<uint8_t>(tcp_len >> 8);
    p[5] = static_cast<uint8_t>(tcp_len);
    p[6] = kProtoTcp;
    p[7] = 64;
    std::copy(s.src.bytes().begin(), s.src.bytes().end(), p.begin() + 8);
    std::copy(s.dst.bytes().begin(), s.dst.bytes().end(), p.begin() + 24);
  } else {
    const size_t total = ip_len + tcp_len;
    p[0] = 0x45;
    p[2] = static_cast<uint8_t>(total >> 8);
    p[3] = static_cast<uint8_t>(total);
    p[6] = 0x40;  // DF
    p[8] = 64;
    p[9] = kProtoTcp;
    std::copy(s.src.bytes().begin(), s.src.bytes().end(), p.begin() + 12);
    std::copy(s.dst.bytes().begin(), s.dst.bytes().end(), p.begin() + 16);
  }
  uint8_t* t = p.data() + ip_len;
  t[0] = static_cast<uint8_t>(s.sport >> 8);
  t[1] = static_cast<uint8_t>(s.sport);
  t[2] = static_cast<uint8_t>(s.dport >> 8);
  t[3] = static_cast<uint8_t>(s.dport);
  for (int i = 0; i < 4; ++i) {
    t[4 + i] = static_cast<uint8_t>(s.seq >> (24 - 8 * i));
    t[8 + i] = static_cast<uint8_t>(s.ack >> (24 - 8 * i));
  }
  t[12] = static_cast<uint8_t>(((20 + options.size()) / 4) << 4);
  t[13] = s.flags;
  t[14] = static_cast<uint8_t>(s.window >> 8);
  t[15] = static_cast<uint8_t>(s.window);
  std::copy(options.begin(), options.end(), t + 20);
  std::fill(t + 20 + options.size(), t + tcp_len, 0xAB);
  fill_checksums(p);
  return p;
}

std::vector<uint8_t> opt_mss(uint16_t mss) { return {2, 4, static_cast<uint8_t>(mss >> 8), static_cast<uint8_t>(mss)}; }
std::vector<uint8_t> opt_wscale(uint8_t shift) { return {1, 3, 3, shift}; }
std::vector<uint8_t> opt_sack_perm() { return {4, 2}; }

std::vector<uint8_t> concat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace phantasm::sim::test
