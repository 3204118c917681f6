// The TCP conntrack model against what Linux does (middleboxes.md §B, nf_conntrack_proto_tcp.c):
// one case per rule, in conntrack's own terms (state, verdict, timeout, ASSURED).
#include <gtest/gtest.h>

#include "sim/model/conntrack_table.h"
#include "sim/test/segment_builder.h"

namespace phantasm::sim {
namespace {

using namespace std::chrono_literals;
using test::SegmentSpec;
namespace f = tcp_flag;

constexpr uint32_t kClientIsn = 1000;
constexpr uint32_t kServerIsn = 500000;

class ConntrackTest : public ::testing::Test {
 protected:
  // A segment from the client (original direction) or the server (reply direction).
  CtLookup send(bool from_client, SegmentSpec s) {
    if (!from_client) {
      std::swap(s.src, s.dst);
      std::swap(s.sport, s.dport);
    }
    auto bytes = test::build_segment(s);
    if (corrupt_next_) {
      bytes.back() ^= 0xFF;
      corrupt_next_ = false;
    }
    const auto p = parse_ip_packet(bytes);
    const CtLookup l = table_.track(bytes, *p, true, now_);
    table_.finish(l, now_);
    return l;
  }
  CtLookup client(SegmentSpec s) { return send(true, s); }
  CtLookup server(SegmentSpec s) { return send(false, s); }

  const CtEntry* entry() {
    CtTuple t{IpAddress::v4({10, 0, 0, 1}), IpAddress::v4({10, 0, 1, 2}), 40000, 4567};
    return table_.find(t, now_);
  }
  Duration timeout() { return entry()->expires - now_; }

  // SYN (wscale 7 both ways unless told), SYN-ACK, ACK.
  void handshake(std::optional<uint8_t> client_scale = 7, std::optional<uint8_t> server_scale = 7) {
    client({.seq = kClientIsn, .flags = f::kSyn, .window = 64240,
            .options = client_scale ? test::concat({test::opt_mss(1460), test::opt_wscale(*client_scale)}) : test::opt_mss(1460)});
    server({.seq = kServerIsn, .ack = kClientIsn + 1, .flags = f::kSyn | f::kAck, .window = 65160,
            .options = server_scale ? test::concat({test::opt_mss(1460), test::opt_wscale(*server_scale)}) : test::opt_mss(1460)});
    client({.seq = kClientIsn + 1, .ack = kServerIsn + 1, .flags = f::kAck, .window = 502});
  }

  ConntrackTable table_;
  Time now_ = Time::zero();
  bool corrupt_next_ = false;
};

TEST_F(ConntrackTest, HandshakeWalksTheStatesAndAssures) {
  auto l = client({.seq = kClientIsn, .flags = f::kSyn, .options = test::opt_wscale(7)});
  EXPECT_EQ(l.info, CtInfo::kNew);
  EXPECT_EQ(entry()->tcp.state(), TcpCtState::kSynSent);
  EXPECT_EQ(timeout(), 120s);
  l = server({.seq = kServerIsn, .ack = kClientIsn + 1, .flags = f::kSyn | f::kAck, .options = test::opt_wscale(7)});
  EXPECT_EQ(l.info, CtInfo::kEstablished);
  EXPECT_EQ(entry()->tcp.state(), TcpCtState::kSynRecv);
  EXPECT_EQ(timeout(), 60s);
  EXPECT_FALSE(entry()->status.assured);
  client({.seq = kClientIsn + 1, .ack = kServerIsn + 1, .flags = f::kAck});
  EXPECT_EQ(entry()->tcp.state(), TcpCtState::kEstablished);
  EXPECT_TRUE(entry()->status.assured);
  EXPECT_EQ(timeout(), 432000s);
  EXPECT_EQ(entry()->tcp.side(CtDir::kOriginal).td_scale, 7);
}

TEST_F(ConntrackTest, UnacknowledgedDataGetsTheUnackTimeoutUntilAcked) {
  handshake();
  client({.seq = kClientIsn + 1, .ack = kServerIsn + 1, .flags = f::kAck | f::kPsh, .window = 502, .payload = 1000});
  EXPECT_EQ(timeout(), 300s);
  server({.seq = kServerIsn + 1, .ack = kClientIsn + 1001, .flags = f::kAck, .window = 500});
  EXPECT_EQ(timeout(), 432000s);
}

TEST_F(ConntrackTest, AckOfDataNeverSeenIsInvalid) {
  handshake();
  const auto l = server({.seq = kServerIsn + 1, .ack = kClientIsn + 5000, .flags = f::kAck});
  EXPECT_EQ(l.info, CtInfo::kInvalid);
  EXPECT_EQ(table_.stat_invalid(), 1u);
}

TEST_F(ConntrackTest, BeyondTheWindowIsInvalidAndOneWindowOverIsIgnored) {
  handshake(std::nullopt, std::nullopt);  // no scaling: windows as sent
  // The server offered 65160 bytes: td_maxend = client's next + 65160.
  const uint32_t edge = kClientIsn + 1 + 65160;
  auto l = client({.seq = edge + 100, .ack = kServerIsn + 1, .flags = f::kAck, .payload = 1000});
  EXPECT_EQ(l.verdict, TcpVerdict::kIgnore);  // overshoot within one receiver window
  EXPECT_EQ(l.info, CtInfo::kEstablished);
  l = client({.seq = edge + 200000, .ack = kServerIsn + 1, .flags = f::kAck, .payload = 1000});
  EXPECT_EQ(l.info, CtInfo::kInvalid);
}

TEST_F(ConntrackTest, BeLiberalTurnsWindowFailuresIntoAccepts) {
  table_.settings().be_liberal = true;
  handshake();
  const auto l = server({.seq = kServerIsn + 1, .ack = kClientIsn + 5000, .flags = f::kAck});
  EXPECT_EQ(l.verdict, TcpVerdict::kAccept);
  EXPECT_EQ(table_.stat_invalid(), 0u);
}

TEST_F(ConntrackTest, StrippedWindowScaleInTheSynAckDisablesScalingBothWays) {
  handshake(7, std::nullopt);
  EXPECT_EQ(entry()->tcp.side(CtDir::kOriginal).td_scale, 0);
  EXPECT_EQ(entry()->tcp.side(CtDir::kReply).td_scale, 0);
}

TEST_F(ConntrackTest, LooseOffRefusesMidStreamPickup) {
  table_.settings().loose = false;
  const auto l = client({.seq = 5, .ack = 7, .flags = f::kAck, .payload = 100});
  EXPECT_EQ(l.info, CtInfo::kInvalid);
  EXPECT_EQ(entry(), nullptr);
}

TEST_F(ConntrackTest, LooseOnPicksUpLiberallyWithTheUnackCap) {
  const auto l = client({.seq = 5, .ack = 7, .flags = f::kAck, .payload = 100});
  EXPECT_EQ(l.info, CtInfo::kNew);
  EXPECT_EQ(entry()->tcp.state(), TcpCtState::kEstablished);
  EXPECT_EQ(timeout(), 300s);
  EXPECT_TRUE(entry()->tcp.side(CtDir::kOriginal).flags & TcpConntrack::kFlagBeLiberal);
  // The answer marks the reply seen; the next valid packet makes it ASSURED.
  server({.seq = 7, .ack = 105, .flags = f::kAck});
  EXPECT_TRUE(entry()->status.seen_reply);
  EXPECT_FALSE(entry()->status.assured);
  client({.seq = 105, .ack = 7, .flags = f::kAck});
  EXPECT_TRUE(entry()->status.assured);
}

TEST_F(ConntrackTest, ImpossibleFlagsAndBadChecksumsAreInvalid) {
  handshake();
  EXPECT_EQ(client({.seq = kClientIsn + 1, .flags = f::kFin}).info, CtInfo::kInvalid);
  EXPECT_EQ(client({.seq = kClientIsn + 1, .flags = 0}).info, CtInfo::kInvalid);
  EXPECT_EQ(client({.seq = kClientIsn + 1, .flags = f::kSyn | f::kFin}).info, CtInfo::kInvalid);
  corrupt_next_ = true;
  EXPECT_EQ(client({.seq = kClientIsn + 1, .ack = kServerIsn + 1, .flags = f::kAck, .payload = 10}).info,
            CtInfo::kInvalid);
  EXPECT_EQ(table_.stat_invalid(), 4u);
}

TEST_F(ConntrackTest, InWindowRstClosesAndOldRstIsInvalid) {
  handshake();
  server({.seq = kServerIsn + 1, .ack = kClientIsn + 1, .flags = f::kAck | f::kPsh, .payload = 100});
  client({.seq = kClientIsn + 1, .ack = kServerIsn + 101, .flags = f::kAck});
  // Server's td_maxack is kClientIsn + 1: a client RST below it is out of window.
  auto l = client({.seq = kClientIsn - 50, .flags = f::kRst});
  EXPECT_EQ(l.info, CtInfo::kInvalid);
  l = client({.seq = kClientIsn + 1, .flags = f::kRst});
  EXPECT_EQ(l.verdict, TcpVerdict::kAccept);
  EXPECT_EQ(entry()->tcp.state(), TcpCtState::kClose);
  EXPECT_EQ(timeout(), 10s);
}

TEST_F(ConntrackTest, RstNotExactlyAtTheAckKeepsTheStateWithTheCloseTimer) {
  handshake();
  server({.seq = kServerIsn + 1, .ack = kClientIsn + 1, .flags = f::kAck, .payload = 100});
  client({.seq = kClientIsn + 1, .ack = kServerIsn + 101, .flags = f::kAck});
  client({.seq = kClientIsn + 1, .ack = kServerIsn + 101, .flags = f::kAck, .payload = 10});
  // In the window but not where the server acknowledged up to.
  const auto l = server({.seq = kServerIsn + 150, .flags = f::kRst});
  EXPECT_EQ(l.verdict, TcpVerdict::kAccept);
  EXPECT_EQ(entry()->tcp.state(), TcpCtState::kEstablished);
  EXPECT_EQ(timeout(), 10s);
}

TEST_F(ConntrackTest, SynInEstablishedIsIgnoredThenAMatchingSynAckResyncs) {
  handshake();
  auto l = client({.seq = 777777, .flags = f::kSyn, .window = 1000, .options = test::opt_wscale(5)});
  EXPECT_EQ(l.verdict, TcpVerdict::kIgnore);
  EXPECT_EQ(entry()->tcp.state(), TcpCtState::kEstablished);
  l = server({.seq = 900000, .ack = 777778, .flags = f::kSyn | f::kAck, .options = test::opt_wscale(6)});
  EXPECT_EQ(l.verdict, TcpVerdict::kAccept);
  EXPECT_EQ(entry()->tcp.state(), TcpCtState::kSynRecv);
  EXPECT_EQ(entry()->tcp.side(CtDir::kOriginal).td_end, 777778u);
}

TEST_F(ConntrackTest, SynAfterRstReopensTheEntry) {
  handshake();
  client({.seq = kClientIsn + 1, .flags = f::kRst});
  const auto l = client({.seq = 424242, .flags = f::kSyn});
  EXPECT_TRUE(l.created);
  EXPECT_EQ(entry()->tcp.state(), TcpCtState::kSynSent);
}

TEST_F(ConntrackTest, RepeatedPureAcksDropToTheRetransTimeout) {
  handshake();
  const SegmentSpec ack{.seq = kClientIsn + 1, .ack = kServerIsn + 1, .flags = f::kAck, .window = 900};
  for (int i = 0; i < 4; ++i) client(ack);
  EXPECT_EQ(entry()->tcp.retrans(), 3);
  EXPECT_EQ(timeout(), 300s);
}

TEST_F(ConntrackTest, RetransmittedSynDoesNotRefresh) {
  client({.seq = kClientIsn, .flags = f::kSyn});
  now_ = now_ + 100s;
  const auto l = client({.seq = kClientIsn, .flags = f::kSyn});
  EXPECT_FALSE(l.refreshed);
  EXPECT_EQ(timeout(), 20s);
}

TEST_F(ConntrackTest, EntriesExpire) {
  handshake();
  client({.seq = kClientIsn + 1, .ack = kServerIsn + 1, .flags = f::kAck, .payload = 10});
  now_ = now_ + 301s;  // UNACK: data never acknowledged
  EXPECT_EQ(entry(), nullptr);
  table_.settings().loose = false;
  EXPECT_EQ(client({.seq = kClientIsn + 11, .ack = kServerIsn + 1, .flags = f::kAck, .payload = 10}).info,
            CtInfo::kInvalid);
}

TEST_F(ConntrackTest, ReplyAckInSynSentIsIgnored) {
  client({.seq = kClientIsn, .flags = f::kSyn});
  const auto l = server({.seq = 5, .ack = 9, .flags = f::kAck});
  EXPECT_EQ(l.verdict, TcpVerdict::kIgnore);
  EXPECT_EQ(entry()->tcp.state(), TcpCtState::kSynSent);
}

TEST_F(ConntrackTest, Ipv6IsTrackedTheSameWay) {
  SegmentSpec syn{.src = *IpAddress::parse("fd99::1"), .dst = *IpAddress::parse("fd99:1::2"), .seq = 1, .flags = f::kSyn};
  auto bytes = test::build_segment(syn);
  auto p = parse_ip_packet(bytes);
  auto l = table_.track(bytes, *p, true, now_);
  table_.finish(l, now_);
  ASSERT_NE(l.entry, nullptr);
  EXPECT_EQ(l.entry->tcp.state(), TcpCtState::kSynSent);
}

TEST(HandshakeOptions, ReadsScaleAndSackPermittedAndStopsAtGarbage) {
  const auto o = read_handshake_options(test::concat({test::opt_mss(1460), test::opt_wscale(20), test::opt_sack_perm()}));
  EXPECT_TRUE(o.window_scale);
  EXPECT_EQ(o.scale, 14);
  EXPECT_TRUE(o.sack_permitted);
  const std::vector<uint8_t> silly = {3, 1, 3, 7};  // length 1: stop
  EXPECT_FALSE(read_handshake_options(silly).window_scale);
}

TEST(HandshakeOptions, HighestSackEdge) {
  const std::vector<uint8_t> sack = {1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0, 40};
  EXPECT_EQ(highest_sack(sack, 5), 40u);
  EXPECT_EQ(highest_sack(sack, 50), 50u);
}

}  // namespace
}  // namespace phantasm::sim
