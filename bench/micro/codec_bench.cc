// Wire codec costs per packet: the TCP checksum, parse with verification and emit with a full
// checksum, for data segments of 64, 512 and 1400 payload bytes over IPv4 and IPv6. Items are
// packets; bytes are whole IP packets (headers included), so bytes/s is the wire rate one core
// could sustain if it did nothing else. The offload variants (kTrust parse, kPartial emit) show
// what TUN checksum offload saves.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "engine/wire/checksum.h"
#include "engine/wire/packet.h"
#include "engine/wire/phantun_segments.h"

namespace phantasm::wire {
namespace {

FourTuple tuple(bool v4) {
  if (v4) return {{IpAddress::v4({192, 168, 200, 2}), 40000}, {IpAddress::v4({192, 168, 201, 2}), 4567}};
  return {{*IpAddress::parse("fcc8::2"), 40000}, {*IpAddress::parse("fcc9::2"), 4567}};
}

// A host buffer as the engine receives it: headroom, then the UDP payload (non-zero bytes so
// that the checksum has carries to propagate).
struct DataPacket {
  DataPacket(size_t payload_len, bool v4) : buffer(kHeadroom + payload_len), payload(payload_len) {
    for (size_t i = 0; i < payload_len; ++i) buffer[kHeadroom + i] = static_cast<uint8_t>(i * 131 + 7);
    header = phantun::ack(tuple(v4), 1, 1);
    auto p = emit_in_front(buffer, kHeadroom, payload, header);
    packet = {p->begin(), p->end()};
  }
  std::vector<uint8_t> buffer;
  size_t payload;
  SegmentHeader header;
  std::vector<uint8_t> packet;  // a copy, so that emits into `buffer` do not disturb it
};

void count(benchmark::State& state, size_t packet_bytes) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * packet_bytes));
}

void BM_TcpChecksum(benchmark::State& state) {
  const bool v4 = state.range(1) == 4;
  const DataPacket d(static_cast<size_t>(state.range(0)), v4);
  const auto segment = std::span<const uint8_t>(d.packet).subspan(v4 ? 20 : 40);
  for (auto _ : state) {
    const uint64_t pseudo =
        pseudo_header_sum(d.header.src, d.header.dst, tcp::kProtocolNumber, static_cast<uint32_t>(segment.size()));
    benchmark::DoNotOptimize(checksum_finish(checksum_add(segment, pseudo)));
  }
  count(state, d.packet.size());
}

template <ChecksumPolicy kPolicy>
void BM_Parse(benchmark::State& state) {
  const DataPacket d(static_cast<size_t>(state.range(0)), state.range(1) == 4);
  for (auto _ : state) {
    auto seg = parse_packet(d.packet, kPolicy);
    benchmark::DoNotOptimize(seg);
  }
  if (!parse_packet(d.packet, kPolicy)) state.SkipWithError("the benchmark packet does not parse");
  count(state, d.packet.size());
}

template <ChecksumMode kMode>
void BM_Emit(benchmark::State& state) {
  DataPacket d(static_cast<size_t>(state.range(0)), state.range(1) == 4);
  SegmentHeader h = d.header;
  for (auto _ : state) {
    h.seq += static_cast<uint32_t>(d.payload);  // as the sender does; keeps the header changing
    auto p = emit_in_front(d.buffer, kHeadroom, d.payload, h, kMode);
    benchmark::DoNotOptimize(p);
    benchmark::ClobberMemory();
  }
  count(state, d.packet.size());
}

void sizes(benchmark::internal::Benchmark* b) {
  b->ArgsProduct({{64, 512, 1400}, {4, 6}})->ArgNames({"payload", "ip"});
}

BENCHMARK(BM_TcpChecksum)->Apply(sizes);
BENCHMARK(BM_Parse<ChecksumPolicy::kVerify>)->Name("BM_ParseVerify")->Apply(sizes);
BENCHMARK(BM_Parse<ChecksumPolicy::kTrust>)->Name("BM_ParseTrust")->Apply(sizes);
BENCHMARK(BM_Emit<ChecksumMode::kFull>)->Name("BM_EmitFull")->Apply(sizes);
BENCHMARK(BM_Emit<ChecksumMode::kPartial>)->Name("BM_EmitPartial")->Apply(sizes);

}  // namespace
}  // namespace phantasm::wire
