#include "sim/test/conntrack_replay/pcap_reader.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace phantasm::sim::replay {
namespace {

constexpr uint32_t kMagicMicro = 0xA1B2C3D4;
constexpr uint32_t kMagicNano = 0xA1B23C4D;

uint32_t read32(const uint8_t* p, bool swap) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return swap ? __builtin_bswap32(v) : v;
}

// Bytes of link-layer header before the IP packet, or -1 when the frame does not carry IP.
int link_header(uint32_t linktype, const uint8_t* frame, size_t len) {
  auto be16 = [&](size_t at) { return static_cast<uint16_t>(frame[at] << 8 | frame[at + 1]); };
  switch (linktype) {
    case 1:  // Ethernet
      if (len < 14) return -1;
      return (be16(12) == 0x0800 || be16(12) == 0x86DD) ? 14 : -1;
    case 113:  // Linux cooked capture
      if (len < 16) return -1;
      return (be16(14) == 0x0800 || be16(14) == 0x86DD) ? 16 : -1;
    case 101:  // raw IP
    case 228:
    case 229:
      return 0;
    case 9:  // PPP (ns-3 point-to-point): 2-byte protocol
      if (len < 2) return -1;
      return (be16(0) == 0x0021 || be16(0) == 0x0057) ? 2 : -1;
    default:
      return -1;
  }
}

}  // namespace

std::vector<CapturedPacket> read_pcap(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  const std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (data.size() < 24) throw std::runtime_error(path + ": too short for a pcap header");
  uint32_t magic;
  std::memcpy(&magic, data.data(), 4);
  bool swap = false;
  bool nano = false;
  if (magic == kMagicMicro || magic == kMagicNano) {
    nano = magic == kMagicNano;
  } else if (__builtin_bswap32(magic) == kMagicMicro || __builtin_bswap32(magic) == kMagicNano) {
    swap = true;
    nano = __builtin_bswap32(magic) == kMagicNano;
  } else {
    throw std::runtime_error(path + ": not a pcap file (pcapng is not supported)");
  }
  const uint32_t linktype = read32(data.data() + 20, swap) & 0xFFFF;
  std::vector<CapturedPacket> out;
  size_t at = 24;
  while (at + 16 <= data.size()) {
    const uint8_t* h = data.data() + at;
    const int64_t sec = read32(h, swap);
    const int64_t frac = read32(h + 4, swap);
    const uint32_t caplen = read32(h + 8, swap);
    const uint32_t origlen = read32(h + 12, swap);
    at += 16;
    if (at + caplen > data.size()) break;  // a truncated last record
    const uint8_t* frame = data.data() + at;
    at += caplen;
    const int skip = link_header(linktype, frame, caplen);
    if (skip < 0 || caplen <= static_cast<uint32_t>(skip)) continue;
    CapturedPacket p;
    p.time_ns = sec * 1000000000 + (nano ? frac : frac * 1000);
    p.wire_len = origlen - static_cast<uint32_t>(skip);
    p.bytes.assign(frame + skip, frame + caplen);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace phantasm::sim::replay
