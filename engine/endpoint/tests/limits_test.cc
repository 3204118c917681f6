#include <set>

#include "engine/endpoint/tests/test_host.h"
#include "engine/wire/tcp.h"

namespace phantasm::test {
namespace {

namespace flag = wire::tcp::flag;

SocketAddress app(uint16_t i) { return {*IpAddress::parse("127.0.0.1"), static_cast<uint16_t>(10000 + i)}; }

TEST(Limits, ThousandClientFlowsGetDistinctPortsAndAllDeliver) {
  Pair p;
  for (uint16_t i = 0; i < 1000; ++i) p.send_from_app(app(i), numbered("flow ", i));
  std::set<uint16_t> ports;
  for (size_t i = 0; i < p.csink.packets.size(); ++i) ports.insert(p.csink.segment(i).src_port);
  EXPECT_EQ(ports.size(), 1000u);
  p.pump();
  EXPECT_EQ(p.ssink.deliveries.size(), 1000u);
  EXPECT_EQ(p.server->flow_count(), 1000u);
  EXPECT_EQ(p.client->half_open_count(), 0u);
}

TEST(Limits, PortRangeExhaustionIsCounted) {
  Pair p;
  p.ccfg.port_min = 40000;
  p.ccfg.port_max = 40003;
  p.build();
  for (uint16_t i = 0; i < 5; ++i) p.send_from_app(app(i), "x");
  EXPECT_EQ(p.client->flow_count(), 4u);
  EXPECT_EQ(p.client->counters().drops[DropReason::kPortsExhausted], 1u);
}

TEST(Limits, HalfOpenLimitRefusesSynsAndEstablishedFlowsKeepWorking) {
  Pair p;
  p.scfg.max_half_open = 8;
  p.build();
  p.send_from_app(app(0), "established");
  p.pump();
  const FlowId established = p.server_flow();
  // 100 SYNs that are never completed (a flood).
  for (uint16_t i = 1; i <= 100; ++i) p.send_from_app(app(i), "x");
  for (auto& pkt : p.csink.take()) p.server->on_network_packet(pkt, p.now);
  p.ssink.take();
  EXPECT_EQ(p.server->half_open_count(), 8u);
  EXPECT_EQ(p.server->counters().drops[DropReason::kHalfOpenLimit], 92u);
  Datagram d(std::string("still here"));
  p.server->on_udp_datagram(established, d.buffer(), p.now);
  p.pump();
  EXPECT_EQ(text(p.csink.deliveries.back().payload), "still here");
}

TEST(Limits, FlowLimitRefusesNewClientFlows) {
  Pair p;
  p.ccfg.max_flows = 3;
  p.build();
  for (uint16_t i = 0; i < 5; ++i) p.send_from_app(app(i), "x");
  EXPECT_EQ(p.client->flow_count(), 3u);
  EXPECT_EQ(p.client->counters().drops[DropReason::kFlowLimit], 2u);
}

TEST(Limits, PendingQueueIsBounded) {
  Pair p;
  p.ccfg.max_pending_datagrams = 4;
  p.build();
  for (int i = 0; i < 6; ++i) p.send_from_app(kAppA, numbered("q", i));
  EXPECT_EQ(p.client->counters().drops[DropReason::kPendingQueueFull], 2u);
  p.pump();
  EXPECT_EQ(p.ssink.deliveries.size(), 4u);
  EXPECT_EQ(text(p.ssink.deliveries[3].payload), "q3");
}

TEST(Limits, EveryDatagramIsSentOrCounted) {
  Pair p;
  p.ccfg.max_pending_datagrams = 2;
  p.build();
  for (int i = 0; i < 5; ++i) p.send_from_app(kAppA, "d");
  Datagram empty(std::vector<uint8_t>{});
  p.client->on_udp_datagram(kAppA, empty.buffer(), p.now);
  p.pump();
  for (int i = 0; i < 5; ++i) p.send_from_app(kAppA, "e");
  const auto& c = p.client->counters();
  EXPECT_EQ(c.datagrams_received, 11u);
  EXPECT_EQ(c.traffic.datagrams_sent + c.drops.total(), c.datagrams_received);
}

TEST(Config, ValidateNamesTheProblem) {
  EngineConfig c = client_config();
  EXPECT_FALSE(validate(c));
  c.remote.port = 0;
  EXPECT_EQ(validate(c), "remote port must not be 0");
  c = client_config();
  c.remote = *SocketAddress::parse("[2001:db8::1]:1");
  c.local_v6.reset();
  EXPECT_TRUE(validate(c));
  EngineConfig s = server_config();
  EXPECT_FALSE(validate(s));
  s.listen_ports.clear();
  EXPECT_TRUE(validate(s));
}

TEST(Determinism, SameSeedSameBytes) {
  auto run = [] {
    Pair p(/*random_server_isn=*/true);
    for (uint16_t i = 0; i < 20; ++i) p.send_from_app(app(i), numbered("det ", i));
    std::vector<std::vector<uint8_t>> all = p.csink.packets;
    p.pump();
    for (auto& d : p.ssink.deliveries) all.push_back(d.payload);
    return all;
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace phantasm::test
