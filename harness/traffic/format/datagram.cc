#include "harness/traffic/format/datagram.h"

#include <algorithm>
#include <array>

#include "harness/traffic/format/hash64.h"
#include "harness/traffic/format/pattern.h"

namespace phantasm::traffic {
namespace {

constexpr size_t kMagicAt = 0;
constexpr size_t kKindAt = 4;
constexpr size_t kReservedAt = 5;
constexpr size_t kPayloadLengthAt = 6;
constexpr size_t kSessionAt = 8;
constexpr size_t kFlowAt = 12;
constexpr size_t kSeqAt = 16;
constexpr size_t kSendNsAt = 24;
constexpr size_t kChecksumAt = 32;

template <typename T>
void store_be(std::span<uint8_t> out, size_t at, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) {
    out[at + i] = static_cast<uint8_t>(value >> (8 * (sizeof(T) - 1 - i)));
  }
}

template <typename T>
T load_be(std::span<const uint8_t> in, size_t at) {
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) value = static_cast<T>(value << 8 | in[at + i]);
  return value;
}

// The checksum covers the header with its own field zeroed, then the payload. The header is a
// whole number of 8-byte words, so hashing it from a copy keeps the word boundaries of the
// datagram (which is what makes every single-byte change detectable).
uint64_t datagram_checksum(std::span<const uint8_t> datagram) {
  std::array<uint8_t, kHeaderSize> header;
  std::copy_n(datagram.begin(), kHeaderSize, header.begin());
  std::fill_n(header.begin() + kChecksumAt, 8, uint8_t{0});
  Hash64 hash(datagram.size());
  hash.update(header);
  hash.update(datagram.subspan(kHeaderSize));
  return hash.finish();
}

bool known_kind(uint8_t kind) {
  return kind >= static_cast<uint8_t>(DatagramKind::data) && kind <= static_cast<uint8_t>(DatagramKind::warmup);
}

}  // namespace

static_assert(kHeaderSize % 8 == 0, "the checksum relies on a whole number of header words");
static_assert(kMaxDatagramSize - kHeaderSize <= 0xFFFF, "payload length is a 16-bit field");

std::string_view defect_name(Defect defect) {
  switch (defect) {
    case Defect::too_short: return "too_short";
    case Defect::bad_magic: return "bad_magic";
    case Defect::bad_header: return "bad_header";
    case Defect::bad_length: return "bad_length";
    case Defect::bad_checksum: return "bad_checksum";
    case Defect::bad_pattern: return "bad_pattern";
    case Defect::misdirected: return "misdirected";
  }
  return "unknown";
}

size_t write_datagram(const DatagramHeader& header, std::span<uint8_t> out) {
  store_be<uint32_t>(out, kMagicAt, kMagic);
  out[kKindAt] = static_cast<uint8_t>(header.kind);
  out[kReservedAt] = 0;
  store_be<uint16_t>(out, kPayloadLengthAt, static_cast<uint16_t>(out.size() - kHeaderSize));
  store_be<uint32_t>(out, kSessionAt, header.session);
  store_be<uint32_t>(out, kFlowAt, header.flow);
  store_be<uint64_t>(out, kSeqAt, header.seq);
  store_be<uint64_t>(out, kSendNsAt, header.send_ns);
  fill_pattern({header.session, header.flow, header.seq}, out.subspan(kHeaderSize));
  store_be<uint64_t>(out, kChecksumAt, datagram_checksum(out));
  return out.size();
}

Decoded decode_datagram(std::span<const uint8_t> bytes) {
  const size_t size = bytes.size();
  if (size < kHeaderSize) return Decoded::rejected(Defect::too_short, size);
  if (load_be<uint32_t>(bytes, kMagicAt) != kMagic) return Decoded::rejected(Defect::bad_magic, size);
  if (!known_kind(bytes[kKindAt]) || bytes[kReservedAt] != 0) {
    return Decoded::rejected(Defect::bad_header, size);
  }
  if (kHeaderSize + load_be<uint16_t>(bytes, kPayloadLengthAt) != size) {
    return Decoded::rejected(Defect::bad_length, size);
  }
  if (load_be<uint64_t>(bytes, kChecksumAt) != datagram_checksum(bytes)) {
    return Decoded::rejected(Defect::bad_checksum, size);
  }
  DatagramHeader header;
  header.kind = static_cast<DatagramKind>(bytes[kKindAt]);
  header.session = load_be<uint32_t>(bytes, kSessionAt);
  header.flow = load_be<uint32_t>(bytes, kFlowAt);
  header.seq = load_be<uint64_t>(bytes, kSeqAt);
  header.send_ns = load_be<uint64_t>(bytes, kSendNsAt);
  if (!matches_pattern({header.session, header.flow, header.seq}, bytes.subspan(kHeaderSize))) {
    return Decoded::rejected(Defect::bad_pattern, size);
  }
  return {true, Defect::too_short, header, size};
}

}  // namespace phantasm::traffic
