// Probe datagrams: self-describing UDP payloads for counting what a tunnel did to them. Each
// carries its flow index, a per-flow sequence number, its own length and a checksum over the
// whole datagram; the filler bytes depend on (flow, seq), so a payload spliced from two
// datagrams, truncated, padded or bit-flipped fails the check.
//
//   offset 0  flow   (u32, big-endian)
//          4  seq    (u32)
//          8  length (u32, the datagram's total length)
//         12  check  (u32, a 64-bit multiply-rotate hash over the datagram with this field
//                     read as zero, folded to 32 bits)
//         16  filler
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace phantasm::memwire {

inline constexpr size_t kProbeHeaderLen = 16;

struct ProbeId {
  uint32_t flow = 0;
  uint32_t seq = 0;
  friend bool operator==(ProbeId, ProbeId) = default;
};

// Fills `out` (at least kProbeHeaderLen bytes) with the probe (flow, seq).
void write_probe(std::span<uint8_t> out, ProbeId id);

enum class ProbeError : uint8_t { kTooShort, kBadLength, kBadChecksum };
std::string_view to_string(ProbeError e);

struct ProbeCheck {
  std::optional<ProbeId> id;  // set when the probe is intact
  ProbeError error = ProbeError::kTooShort;
};

// Verifies a received probe.
ProbeCheck read_probe(std::span<const uint8_t> datagram);

}  // namespace phantasm::memwire
