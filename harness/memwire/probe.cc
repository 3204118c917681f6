#include "harness/memwire/probe.h"

#include <cassert>

#include "engine/wire/bytes.h"

namespace phantasm::memwire {
namespace {

constexpr size_t kFlowAt = 0;
constexpr size_t kSeqAt = 4;
constexpr size_t kLengthAt = 8;
constexpr size_t kCheckAt = 12;

uint32_t fnv1a(std::span<const uint8_t> bytes, uint32_t hash = 2166136261u) {
  for (uint8_t b : bytes) hash = (hash ^ b) * 16777619u;
  return hash;
}

// FNV-1a of the datagram with the check field taken as four zero bytes.
uint32_t probe_check(std::span<const uint8_t> datagram) {
  static constexpr uint8_t kZero[4] = {0, 0, 0, 0};
  uint32_t h = fnv1a(datagram.first(kCheckAt));
  h = fnv1a(kZero, h);
  return fnv1a(datagram.subspan(kProbeHeaderLen), h);
}

}  // namespace

void write_probe(std::span<uint8_t> out, ProbeId id) {
  assert(out.size() >= kProbeHeaderLen);
  wire::store_be32(out, kFlowAt, id.flow);
  wire::store_be32(out, kSeqAt, id.seq);
  wire::store_be32(out, kLengthAt, static_cast<uint32_t>(out.size()));
  // A filler that differs between datagrams of the same length: a cheap LCG seeded by the id.
  uint32_t x = id.flow * 2654435761u ^ id.seq * 40503u ^ 0x9E3779B9u;
  for (size_t i = kProbeHeaderLen; i < out.size(); ++i) {
    x = x * 1664525u + 1013904223u;
    out[i] = static_cast<uint8_t>(x >> 24);
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
