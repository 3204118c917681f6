// Full engine paths, per core: a datagram from the local UDP side to an IP packet for the
// network (send), and an IP packet from the network to a delivered datagram (receive).
#include <benchmark/benchmark.h>

#include <vector>

#include "engine/endpoint/endpoint.h"
#include "engine/wire/phantun_segments.h"

namespace phantasm {
namespace {

using namespace std::chrono_literals;

// Counts what the engine hands out and keeps the last packet, without copying on the hot path.
class CountingSink : public EngineSink {
 public:
  void send_packet(std::span<const uint8_t> packet) override {
    ++packets;
    if (keep_last) last_packet.assign(packet.begin(), packet.end());
    benchmark::DoNotOptimize(packet.data());
  }
  void deliver_datagram(FlowId, std::span<const uint8_t> payload) override {
    ++delivered;
    benchmark::DoNotOptimize(payload.data());
  }
  void flow_opened(FlowId flow, const FlowInfo&) override { opened = flow; }
  void flow_closed(FlowId, CloseReason) override {}
  bool keep_last = true;  // only while setting up: copying is not the engine's cost
  uint64_t packets = 0;
  uint64_t delivered = 0;
  FlowId opened;
  std::vector<uint8_t> last_packet;
};

const SocketAddress kServer = *SocketAddress::parse("10.0.0.2:4567");
const SocketAddress kApp = *SocketAddress::parse("127.0.0.1:5000");

// A client and a server endpoint with one established flow between them.
struct Established {
  CountingSink client_sink, server_sink;
  Endpoint client, server;
  FlowId server_flow;

  static EngineConfig client_config(bool v6) {
    EngineConfig c;
    c.role = Role::kClient;
    c.remote = v6 ? *SocketAddress::parse("[2001:db8::2]:4567") : kServer;
    return c;
  }
  static EngineConfig server_config() {
    EngineConfig c;
    c.role = Role::kServer;
    c.listen_ports = {4567};
    return c;
  }

  explicit Established(bool v6)
      : client(client_config(v6), 1, client_sink), server(server_config(), 2, server_sink) {
    std::vector<uint8_t> buf(wire::kHeadroom + 1, 'x');
    client.on_udp_datagram(kApp, {buf, wire::kHeadroom, 1}, Time{});
    server.on_network_packet(client_sink.last_packet, Time{});    // SYN
    client.on_network_packet(server_sink.last_packet, Time{});    // SYN-ACK -> ACK + data
    server.on_network_packet(client_sink.last_packet, Time{});    // the data completes it
    server_flow = server_sink.opened;
    client_sink.keep_last = server_sink.keep_last = false;
  }
};

void BM_EngineSend(benchmark::State& state) {
  const auto size = static_cast<size_t>(state.range(0));
  Established e(state.range(1) != 0);
  std::vector<uint8_t> buf(wire::kHeadroom + size, 0xAB);
  Time now{};
  for (auto _ : state) {
    e.client.on_udp_datagram(kApp, {buf, wire::kHeadroom, size}, now);
  }
  if (e.client.counters().drops.total() != 0) state.SkipWithError("engine dropped datagrams");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}

void BM_EngineReceive(benchmark::State& state) {
  const auto size = static_cast<size_t>(state.range(0));
  const bool v6 = state.range(1) != 0;
  Established e(v6);
  // A ring of in-order data segments from the client, as the network would deliver them.
  const auto flow = e.client.flows().at(0);
  std::vector<std::vector<uint8_t>> packets;
  uint32_t seq = flow.snd_nxt;
  for (int i = 0; i < 256; ++i) {
    std::vector<uint8_t> buf(wire::kHeadroom + size, static_cast<uint8_t>(i));
    auto pkt = wire::emit_in_front(buf, wire::kHeadroom, size, wire::phantun::ack(flow.info.tuple, seq, flow.rcv_nxt));
    packets.emplace_back(pkt->begin(), pkt->end());
    seq += static_cast<uint32_t>(size);
  }
  size_t i = 0;
  Time now{};
  for (auto _ : state) {
    e.server.on_network_packet(packets[i], now);
    i = (i + 1) % packets.size();
  }
  if (e.server.counters().drops.total() != 0) state.SkipWithError("engine dropped packets");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}

void sizes(benchmark::internal::Benchmark* b) {
  for (int v6 : {0, 1}) {
    for (int size : {64, 512, 1400}) b->Args({size, v6});
  }
  b->ArgNames({"payload", "v6"});
}

BENCHMARK(BM_EngineSend)->Apply(sizes);
BENCHMARK(BM_EngineReceive)->Apply(sizes);

}  // namespace
}  // namespace phantasm
