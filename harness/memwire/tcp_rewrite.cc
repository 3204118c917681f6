#include "harness/memwire/tcp_rewrite.h"

#include <algorithm>
#include <cassert>

#include "engine/wire/bytes.h"
#include "engine/wire/checksum.h"
#include "engine/wire/tcp.h"

namespace phantasm::memwire {
namespace {

constexpr size_t kIpv6HeaderLen = 40;
constexpr uint8_t kProtocolTcp = 6;

template <typename Byte>
std::optional<std::span<Byte>> locate(std::span<Byte> packet) {
  if (packet.empty()) return std::nullopt;
  size_t begin = 0;
  size_t end = 0;
  switch (packet[0] >> 4) {
    case 4: {
      if (packet.size() < 20 || packet[9] != kProtocolTcp) return std::nullopt;
      begin = static_cast<size_t>(packet[0] & 0x0F) * 4;
      end = std::min<size_t>(packet.size(), static_cast<size_t>(packet[2] << 8 | packet[3]));
      break;
    }
    case 6: {
      if (packet.size() < kIpv6HeaderLen || packet[6] != kProtocolTcp) return std::nullopt;
      begin = kIpv6HeaderLen;
      end = std::min<size_t>(packet.size(), kIpv6HeaderLen + static_cast<size_t>(packet[4] << 8 | packet[5]));
      break;
    }
    default:
      return std::nullopt;
  }
  if (begin < 20 || end < begin || end - begin < wire::tcp::kMinHeaderLen) return std::nullopt;
  return packet.subspan(begin, end - begin);
}

uint16_t word_at(std::span<const uint8_t> s, size_t even_offset) {
  const uint8_t hi = s[even_offset];
  const uint8_t lo = even_offset + 1 < s.size() ? s[even_offset + 1] : 0;
  return static_cast<uint16_t>(hi << 8 | lo);
}

}  // namespace

std::optional<std::span<uint8_t>> tcp_segment_of(std::span<uint8_t> packet) { return locate(packet); }
std::optional<std::span<const uint8_t>> tcp_segment_of(std::span<const uint8_t> packet) {
  return locate(packet);
}

void rewrite_seq(std::span<uint8_t> segment, uint32_t seq) {
  wire::tcp::Writer t(segment);
  t.set_checksum(wire::checksum_update32(t.checksum(), t.seq(), seq));
  t.set_seq(seq);
}

void rewrite_ack(std::span<uint8_t> segment, uint32_t ack) {
  wire::tcp::Writer t(segment);
  t.set_checksum(wire::checksum_update32(t.checksum(), t.ack(), ack));
  t.set_ack(ack);
}

void rewrite_bytes(std::span<uint8_t> segment, size_t offset, std::span<const uint8_t> bytes) {
  assert(offset + bytes.size() <= segment.size());
  if (bytes.empty()) return;
  wire::tcp::Writer t(segment);
  uint16_t checksum = t.checksum();
  const size_t first_word = offset & ~size_t{1};
  const size_t last = offset + bytes.size();
  for (size_t w = first_word; w < last; w += 2) {
    const uint16_t old_word = word_at(segment, w);
    for (size_t i = w; i < w + 2 && i < segment.size(); ++i) {
      if (i >= offset && i < last) segment[i] = bytes[i - offset];
    }
    checksum = wire::checksum_update16(checksum, old_word, word_at(segment, w));
  }
  // The checksum field itself is never part of a rewrite here (callers edit options and
  // numbers); writing it last keeps the update exact.
  t.set_checksum(checksum);
}

}  // namespace phantasm::memwire
