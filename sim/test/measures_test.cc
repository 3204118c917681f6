// The measurements the simulation takes the way the netns runner's captures do: reconnects on
// the client's wire, silences and per-flow recovery from arrival times, wire checks.
#include <gtest/gtest.h>

#include "harness/traffic/format/datagram.h"
#include "sim/model/connection_ledger.h"
#include "sim/model/flow_arrivals.h"
#include "sim/model/wire_check.h"
#include "sim/test/segment_builder.h"

namespace phantasm::sim {
namespace {

using namespace std::chrono_literals;
namespace f = tcp_flag;

std::vector<uint8_t> with_datagram(uint16_t sport, uint32_t seq, uint32_t session, uint32_t flow) {
  auto p = test::build_segment({.sport = sport, .seq = seq, .ack = 1, .flags = f::kAck, .payload = 64});
  std::vector<uint8_t> d(64);
  traffic::write_datagram({traffic::DatagramKind::data, session, flow, 0, 0}, d);
  std::copy(d.begin(), d.end(), p.end() - 64);
  fill_checksums(p);
  return p;
}

std::vector<uint8_t> syn(uint16_t sport, uint32_t isn) { return test::build_segment({.sport = sport, .seq = isn, .flags = f::kSyn}); }
std::vector<uint8_t> syn_ack(uint16_t dport, uint32_t isn) {
  return test::build_segment({.src = *IpAddress::parse("10.0.1.2"), .dst = *IpAddress::parse("10.0.0.1"), .sport = 4567,
                              .dport = dport, .seq = 9, .ack = isn + 1, .flags = f::kSyn | f::kAck});
}

TEST(ConnectionLedger, CountsAnsweredConnectionsBeyondOnePerFlow) {
  ConnectionLedger l(4567);
  l.on_packet(syn(40000, 100));
  l.on_packet(syn_ack(40000, 100));
  l.on_packet(with_datagram(40000, 101, 7, 0));
  l.on_packet(syn(40001, 200));  // never answered: a refused handshake is no reconnect
  l.on_packet(with_datagram(40001, 201, 7, 0));
  EXPECT_EQ(l.reconnects(), 0u);
  l.on_packet(syn(40002, 300));
  l.on_packet(syn_ack(40002, 300));
  l.on_packet(with_datagram(40002, 301, 7, 0));
  EXPECT_EQ(l.reconnects(), 1u);
  EXPECT_EQ(l.answered(), 2u);
}

TEST(FlowArrivals, RecoveryIsTheWorstFlowAndASilentFlowNeverCameBack) {
  FlowArrivals a;
  const Time t0 = Time::zero();
  // Flow 0 every 10 ms, silent from 1 s to 3.5 s; flow 1 every 10 ms throughout.
  for (int i = 0; i < 500; ++i) {
    const Time t = t0 + i * 10ms;
    if (t < t0 + 1s || t >= t0 + 3500ms) a.on_datagram(ArrivalPlace::kSink, 1, 0, t);
    a.on_datagram(ArrivalPlace::kSink, 1, 1, t);
  }
  auto o = a.outage({t0 + 1s}, 3s);
  ASSERT_TRUE(o.recovery);
  EXPECT_NEAR(*o.recovery, 2.5, 0.02);
  EXPECT_NEAR(o.longest_gap, 2.51, 0.02);
  // A flow that stops for good while its session runs on: never came back.
  a.on_datagram(ArrivalPlace::kSink, 2, 0, t0 + 500ms);
  a.on_datagram(ArrivalPlace::kSink, 2, 1, t0 + 500ms);
  a.on_datagram(ArrivalPlace::kSink, 2, 1, t0 + 4s);
  o = a.outage({t0 + 1s}, 3s);
  EXPECT_FALSE(o.recovery);
  ASSERT_EQ(o.unrecovered.size(), 1u);
}

TEST(WireCheck, FlagsBadChecksumsImpossibleFlagsAndPrivateSources) {
  WireCounts c;
  const std::vector<IpPrefix> priv = {{*IpAddress::parse("192.168.200.0"), 24}};
  check_on_wire(test::build_segment({.flags = f::kAck}), priv, c);
  auto bad = test::build_segment({.flags = f::kAck, .payload = 10});
  bad.back() ^= 1;
  check_on_wire(bad, priv, c);
  check_on_wire(test::build_segment({.flags = 0}), priv, c);
  check_on_wire(test::build_segment({.flags = f::kFin}), priv, c);
  check_on_wire(test::build_segment({.src = *IpAddress::parse("192.168.200.2"), .flags = f::kAck}), priv, c);
  EXPECT_EQ(c.packets, 5u);
  EXPECT_EQ(c.bad_tcp_checksum, 1u);
  EXPECT_EQ(c.no_flags, 1u);
  EXPECT_EQ(c.fin_without_ack, 1u);
  EXPECT_EQ(c.leaked, 1u);
  EXPECT_EQ(c.malformed(), 3u);
}

}  // namespace
}  // namespace phantasm::sim
