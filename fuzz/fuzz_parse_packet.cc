// libFuzzer target for the wire codec. Beyond "no crash, no out-of-bounds read" (ASan/UBSan) it
// checks properties that a plain crash fuzzer would miss, and aborts on the first violation:
//  - both checksum policies agree: what passes kVerify passes kTrust with the same fields;
//  - an accepted payload lies inside the input;
//  - a parsed segment re-emits (emit_in_front) and re-parses to the same fields and payload,
//    and the kPartial emit, finished the way a NIC finishes it, equals the kFull emit;
//  - the engine's word-at-a-time checksum equals a naive 16-bit one on the raw input.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "engine/wire/checksum.h"
#include "engine/wire/packet.h"

namespace {

using phantasm::wire::ChecksumMode;
using phantasm::wire::ChecksumPolicy;
using phantasm::wire::Segment;
using phantasm::wire::SegmentHeader;

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_parse_packet: property violated: %s\n", what);
  std::abort();
}

uint16_t naive_checksum(std::span<const uint8_t> data) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < data.size(); i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (data.size() % 2 != 0) sum += static_cast<uint32_t>(data.back() << 8);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

bool same_header_fields(const Segment& a, const Segment& b) {
  return a.version == b.version && a.src == b.src && a.dst == b.dst && a.src_port == b.src_port &&
         a.dst_port == b.dst_port && a.seq == b.seq && a.ack == b.ack && a.flags == b.flags &&
         a.window == b.window && a.options.window_scale == b.options.window_scale &&
         a.options.phantasm == b.options.phantasm;
}

bool within(std::span<const uint8_t> inner, std::span<const uint8_t> outer) {
  if (inner.empty()) return true;
  return inner.data() >= outer.data() && inner.data() + inner.size() <= outer.data() + outer.size();
}

std::vector<uint8_t> emit(const Segment& s, ChecksumMode mode) {
  SegmentHeader h;
  h.src = s.src;
  h.dst = s.dst;
  h.src_port = s.src_port;
  h.dst_port = s.dst_port;
  h.seq = s.seq;
  h.ack = s.ack;
  h.flags = s.flags;
  h.window = s.window;
  h.window_scale = s.options.window_scale;
  h.phantasm = s.options.phantasm;
  std::vector<uint8_t> buffer(phantasm::wire::kHeadroom + s.payload.size());
  std::copy(s.payload.begin(), s.payload.end(), buffer.begin() + phantasm::wire::kHeadroom);
  auto packet = emit_in_front(buffer, phantasm::wire::kHeadroom, s.payload.size(), h, mode);
  // The parsed segment was no larger than its input, and only the options it carried can be
  // re-emitted (window scale, Phantasm hello), so re-emitting cannot run out of length field.
  require(packet.ok(), "a parsed segment re-emits");
  return {packet->begin(), packet->end()};
}

void check_round_trip(const Segment& s) {
  const std::vector<uint8_t> full = emit(s, ChecksumMode::kFull);
  auto again = phantasm::wire::parse_packet(full, ChecksumPolicy::kVerify);
  require(again.ok(), "a re-emitted segment parses with checksum verification");
  require(same_header_fields(s, *again), "re-parsed fields equal the original ones");
  require(std::equal(s.payload.begin(), s.payload.end(), again->payload.begin(), again->payload.end()),
          "re-parsed payload equals the original payload");
  require(again->payload.data() + again->payload.size() == full.data() + full.size(), "payload ends the packet");

  // A device finishing a NEEDS_CSUM packet sums from the TCP header on, with the pseudo-header
  // sum already in the field, and stores the complement.
  std::vector<uint8_t> partial = emit(s, ChecksumMode::kPartial);
  require(partial.size() == full.size(), "partial and full emits have the same size");
  const size_t tcp_at = s.src.is_v4() ? 20 : 40;
  const uint16_t finished = phantasm::wire::internet_checksum(std::span<const uint8_t>(partial).subspan(tcp_at));
  partial[tcp_at + 16] = static_cast<uint8_t>(finished >> 8);
  partial[tcp_at + 17] = static_cast<uint8_t>(finished);
  require(partial == full, "a finished partial checksum equals the full one");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> input(data, size);
  auto verified = phantasm::wire::parse_packet(input, ChecksumPolicy::kVerify);
  auto trusted = phantasm::wire::parse_packet(input, ChecksumPolicy::kTrust);
  if (verified) {
    require(trusted.ok(), "kVerify accepts only what kTrust accepts");
    require(same_header_fields(*verified, *trusted) && verified->payload.data() == trusted->payload.data() &&
                verified->payload.size() == trusted->payload.size(),
            "both policies parse the same segment");
    require(within(verified->payload, input), "payload inside the input");
  }
  if (trusted) {
    require(within(trusted->payload, input), "payload inside the input");
    check_round_trip(*trusted);
  }
  require(phantasm::wire::internet_checksum(input) == naive_checksum(input), "checksum equals the naive sum");
  return 0;
}
