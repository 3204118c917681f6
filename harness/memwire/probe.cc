#include "harness/memwire/probe.h"

#include <bit>
#include <cassert>
#include <cstring>

#include "engine/wire/bytes.h"

namespace phantasm::memwire {
namespace {

constexpr size_t kFlowAt = 0;
constexpr size_t kSeqAt = 4;
constexpr size_t kLengthAt = 8;
constexpr size_t kCheckAt = 12;

// A multiply-rotate hash over 8-byte words (FNV-like, but a word at a time: probes are hashed
// twice per datagram, and the 100 MB tests run in Debug builds). Raw pointers on purpose: span
// iterators cost several calls per byte without optimisation.
uint64_t mix(std::span<const uint8_t> bytes, uint64_t hash) {
  const uint8_t* p = bytes.data();
  size_t n = bytes.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    hash = std::rotl((hash ^ word) * 0x100000001B3ull, 29);
  }
  for (; n > 0; ++p, --n) hash = (hash ^ *p) * 0x100000001B3ull;
  return hash;
}

// The hash of the datagram with the check field taken as four zero bytes, folded to 32 bits.
uint32_t probe_check(std::span<const uint8_t> datagram) {
  static constexpr uint8_t kZero[4] = {0, 0, 0, 0};
  uint64_t h = mix(datagram.first(kCheckAt), 0xCBF29CE484222325ull);
  h = mix(kZero, h);
  h = mix(datagram.subspan(kProbeHeaderLen), h);
  return static_cast<uint32_t>(h ^ (h >> 32));
}

}  // namespace

void write_probe(std::span<uint8_t> out, ProbeId id) {
  assert(out.size() >= kProbeHeaderLen);
  wire::store_be32(out, kFlowAt, id.flow);
  wire::store_be32(out, kSeqAt, id.seq);
  wire::store_be32(out, kLengthAt, static_cast<uint32_t>(out.size()));
  // A filler that differs between datagrams of the same length: a cheap LCG seeded by the id,
  // four bytes per step.
  uint32_t x = id.flow * 2654435761u ^ id.seq * 40503u ^ 0x9E3779B9u;
  uint8_t* p = out.data() + kProbeHeaderLen;
  size_t n = out.size() - kProbeHeaderLen;
  for (; n >= 4; p += 4, n -= 4) {
    x = x * 1664525u + 1013904223u;
    std::memcpy(p, &x, 4);
  }
  for (; n > 0; ++p, --n) {
    x = x * 1664525u + 1013904223u;
    *p = static_cast<uint8_t>(x >> 24);
  }
  wire::store_be32(out, kCheckAt, probe_check(out));
}

ProbeCheck read_probe(std::span<const uint8_t> datagram) {
  ProbeCheck result;
  if (datagram.size() < kProbeHeaderLen) return result;
  if (wire::load_be32(datagram, kLengthAt) != datagram.size()) {
    result.error = ProbeError::kBadLength;
    return result;
  }
  if (wire::load_be32(datagram, kCheckAt) != probe_check(datagram)) {
    result.error = ProbeError::kBadChecksum;
    return result;
  }
  result.id = ProbeId{wire::load_be32(datagram, kFlowAt), wire::load_be32(datagram, kSeqAt)};
  return result;
}

std::string_view to_string(ProbeError e) {
  switch (e) {
    case ProbeError::kTooShort: return "too-short";
    case ProbeError::kBadLength: return "bad-length";
    case ProbeError::kBadChecksum: return "bad-checksum";
  }
  return "?";
}

}  // namespace phantasm::memwire
