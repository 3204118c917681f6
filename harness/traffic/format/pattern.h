// The payload pattern: a byte stream determined by (session, flow, seq) alone, so a receiver can
// regenerate what the sender wrote without any shared state, and a payload that was swapped,
// shifted or zeroed in transit is caught even if the checksum field were rewritten to match.
#pragma once

#include <cstdint>
#include <span>

namespace phantasm::traffic {

struct PatternKey {
  uint32_t session;
  uint32_t flow;
  uint64_t seq;
};

void fill_pattern(const PatternKey& key, std::span<uint8_t> out);

// True when `bytes` is exactly what fill_pattern(key, ...) writes for that length.
bool matches_pattern(const PatternKey& key, std::span<const uint8_t> bytes);

}  // namespace phantasm::traffic
