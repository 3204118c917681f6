#include "netns-tests/runner/capture_analysis.h"

#include <gtest/gtest.h>

#include "harness/middlebox/tests/test_packets.h"
#include "harness/traffic/format/datagram.h"

namespace phantasm::netns {
namespace {

using middlebox::test::kClient;
using middlebox::test::kServer;
using middlebox::test::packet;
using middlebox::test::Spec;
namespace flag = wire::tcp::flag;

std::string datagram(uint32_t session, uint32_t flow, uint64_t seq) {
  traffic::DatagramHeader h;
  h.session = session;
  h.flow = flow;
  h.seq = seq;
  std::vector<uint8_t> buf(64);
  traffic::write_datagram(h, buf);
  return std::string(buf.begin(), buf.end());
}

void feed(WireCheck& w, const std::vector<uint8_t>& p) { w.on_packet(p, p.size()); }

TEST(WireCheck, GoodSegmentsPassEveryCheck) {
  WireCheck w(4567);
  feed(w, packet({.seq = 100, .flags = flag::kSyn}));
  feed(w, packet({.from = kServer, .to = kClient, .seq = 5000, .ack = 101, .flags = flag::kSyn | flag::kAck}));
  feed(w, packet({.seq = 101, .ack = 5001, .payload = datagram(7, 0, 0)}));
  const WireStats& s = w.stats();
  EXPECT_EQ(s.packets, 3u);
  EXPECT_EQ(s.tcp, 3u);
  EXPECT_EQ(s.checksums_checked, 3u);
  EXPECT_EQ(s.bad_checksums(), 0u);
  EXPECT_EQ(s.no_flags + s.fin_without_ack + s.leaked, 0u);
  EXPECT_EQ(s.syn, 1u);
  EXPECT_EQ(s.syn_ack, 1u);
  EXPECT_TRUE(s.problems.empty());
}

TEST(WireCheck, FindsBadChecksumsFlagsAndPrivateSources) {
  WireCheck w(4567);
  auto bad_tcp = packet({.seq = 1, .payload = "abcd"});
  bad_tcp.back() ^= 0x01;
  feed(w, bad_tcp);
  auto bad_ip = packet({.seq = 1});
  bad_ip[8] ^= 0x10;  // TTL changed, header checksum not
  feed(w, bad_ip);
  feed(w, packet({.seq = 1, .flags = 0}));
  feed(w, packet({.seq = 1, .flags = flag::kFin}));
  feed(w, packet({.from = SocketAddress{IpAddress::v4({192, 168, 200, 2}), 40000}, .seq = 1}));
  const WireStats& s = w.stats();
  EXPECT_EQ(s.bad_tcp_checksum, 1u);
  EXPECT_EQ(s.bad_ip_checksum, 1u);
  EXPECT_EQ(s.no_flags, 1u);
  EXPECT_EQ(s.fin_without_ack, 1u);
  EXPECT_EQ(s.leaked, 1u);
  EXPECT_EQ(s.problems.size(), 5u);
}

TEST(WireCheck, TruncatedCapturesSkipTheTcpChecksum) {
  WireCheck w(4567);
  auto p = packet({.seq = 1, .payload = std::string(200, 'x')});
  w.on_packet(std::span<const uint8_t>(p).first(60), p.size());
  EXPECT_EQ(w.stats().tcp, 1u);
  EXPECT_EQ(w.stats().checksums_checked, 0u);
  EXPECT_EQ(w.stats().bad_checksums(), 0u);
}

TEST(WireCheck, ReconnectsAreFlowsCarriedByMoreThanOneAnsweredConnection) {
  WireCheck w(4567);
  auto handshake = [&](uint16_t port, uint32_t isn) {
    const SocketAddress from{kClient.ip, port};
    feed(w, packet({.from = from, .seq = isn, .flags = flag::kSyn}));
    feed(w, packet({.from = kServer, .to = from, .seq = 9, .ack = isn + 1, .flags = flag::kSyn | flag::kAck}));
  };
  auto data = [&](uint16_t port, uint32_t seq, uint32_t session, uint32_t flow) {
    feed(w, packet({.from = SocketAddress{kClient.ip, port}, .seq = seq, .ack = 10, .payload = datagram(session, flow, 0)}));
  };
  handshake(40000, 1000);
  handshake(40001, 2000);
  data(40000, 1001, 7, 0);
  data(40001, 2001, 7, 1);
  // Flow 0 loses its path and comes back on a new port; flow 1 keeps its connection.
  handshake(40002, 3000);
  data(40002, 3001, 7, 0);
  data(40001, 2065, 7, 1);
  // An unanswered SYN is no connection.
  feed(w, packet({.from = SocketAddress{kClient.ip, 40003}, .seq = 4000, .flags = flag::kSyn}));
  const auto c = w.connections_json();
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(count_reconnects(c), 1u);
}

TEST(FlowGaps, GapsAboveTheFlowsOwnThreshold) {
  FlowGaps g;
  const FlowId a{1, 0}, b{1, 1};
  int64_t t = 1000000000;
  for (int i = 0; i < 100; ++i) g.on_datagram(a, t + i * 10000000LL, i);  // 100 pps for 1 s
  // 2 s silence, 200 datagrams lost
  for (int i = 0; i < 100; ++i) g.on_datagram(a, t + 3000000000LL + i * 10000000LL, 300 + i);
  for (int i = 0; i < 200; ++i) g.on_datagram(b, t + i * 20000000LL, i);  // 50 pps for 4 s, no gap
  const auto flows = read_flow_records(g.to_json(), "echo");
  ASSERT_EQ(flows.size(), 2u);
  EXPECT_EQ(flows[0].gaps.size(), 1u);
  EXPECT_TRUE(flows[1].gaps.empty());

  // An event at 1.5 s: flow a is back at 4 s (2.5 s), flow b never stopped.
  const FlowOutage o = flow_outage(flows, {}, {t + 1500000000LL}, 3000000000LL);
  ASSERT_TRUE(o.recovery_s.has_value());
  EXPECT_NEAR(*o.recovery_s, 1.5, 0.01);
  EXPECT_NEAR(o.longest_gap_s, 2.01, 0.01);
  EXPECT_EQ(o.longest_gap_flow, "echo 00000001/0");
}

TEST(FlowGaps, AFlowSilentToTheEndOfItsSessionNeverRecovered) {
  FlowGaps g;
  int64_t t = 1000000000;
  for (int i = 0; i < 300; ++i) g.on_datagram({5, 0}, t + i * 10000000LL, i);  // 3 s
  for (int i = 0; i < 100; ++i) g.on_datagram({5, 1}, t + i * 10000000LL, i);  // stops at 1 s
  const auto flows = read_flow_records(g.to_json(), "sink");
  const FlowOutage o = flow_outage(flows, {}, {t + 1200000000LL}, 3000000000LL);
  EXPECT_FALSE(o.recovery_s.has_value());
  ASSERT_EQ(o.unrecovered.size(), 1u);
  EXPECT_EQ(o.unrecovered[0], "sink 00000005/1");
  EXPECT_NEAR(o.longest_gap_s, 2.0, 0.02);
  // Without events: only the gap.
  EXPECT_FALSE(flow_outage(flows, {}, {}, 3000000000LL).recovery_s.has_value());
}

TEST(FlowGaps, SilencesTheSenderMadeAreNoOutage) {
  // udpgen's flows 0 and 1: flow 1 stops sending at 1 s, flow 0 pauses from 1 s to 2 s; both
  // deliver everything they send. Flow 2 keeps sending but nothing arrives after 1 s.
  FlowGaps delivered, sent;
  const int64_t t = 1000000000;
  for (int i = 0; i < 300; ++i) {
    const int64_t at = t + i * 10000000LL;
    const bool pause = i >= 100 && i < 200;
    const uint64_t n = static_cast<uint64_t>(i), n0 = static_cast<uint64_t>(i < 100 ? i : i - 100);
    if (!pause) sent.on_datagram({9, 0}, at, n0), delivered.on_datagram({9, 0}, at + 1000000, n0);
    if (i < 100) sent.on_datagram({9, 1}, at, n), delivered.on_datagram({9, 1}, at + 1000000, n);
    sent.on_datagram({9, 2}, at, n);
    if (i < 100) delivered.on_datagram({9, 2}, at + 1000000, n);
  }
  const auto d = read_flow_records(delivered.to_json(), "echo");
  const auto s = read_flow_records(sent.to_json(), "sent");
  const FlowOutage o = flow_outage(d, s, {t + 1100000000LL}, 3000000000LL);
  EXPECT_FALSE(o.recovery_s.has_value());
  ASSERT_EQ(o.unrecovered.size(), 1u);
  EXPECT_EQ(o.unrecovered[0], "echo 00000009/2");
  EXPECT_EQ(o.silences_while_idle, 1u);
  EXPECT_EQ(o.longest_gap_flow, "echo 00000009/2 (never resumed)");

  // Without flow 2: everything that was sent arrived, so no outage at all.
  const std::vector<FlowRecord> d01(d.begin(), d.begin() + 2);
  const FlowOutage ok = flow_outage(d01, s, {t + 1100000000LL}, 3000000000LL);
  ASSERT_TRUE(ok.recovery_s.has_value());
  EXPECT_EQ(*ok.recovery_s, 0.0);
  EXPECT_EQ(ok.longest_gap_s, 0.0);
}

TEST(FlowGaps, AStallThatLostNothingIsNoOutage) {
  // Everything sent during a 1.5 s stall arrives at its end (the machine did not run the tunnel).
  FlowGaps g;
  const int64_t t = 1000000000;
  for (int i = 0; i < 100; ++i) g.on_datagram({3, 0}, t + i * 10000000LL, static_cast<uint64_t>(i));
  for (int i = 100; i < 300; ++i) {
    const int64_t at = i < 250 ? t + 2500000000LL : t + i * 10000000LL;
    g.on_datagram({3, 0}, at, static_cast<uint64_t>(i));
  }
  const auto flows = read_flow_records(g.to_json(), "sink");
  ASSERT_EQ(flows[0].gaps.size(), 1u);
  EXPECT_EQ(flows[0].gaps[0].missing, 0u);
  const FlowOutage o = flow_outage(flows, {}, {t + 1100000000LL}, 3000000000LL);
  EXPECT_EQ(o.longest_gap_s, 0.0);
  ASSERT_TRUE(o.recovery_s.has_value());
  EXPECT_EQ(*o.recovery_s, 0.0);
}

}  // namespace
}  // namespace phantasm::netns
