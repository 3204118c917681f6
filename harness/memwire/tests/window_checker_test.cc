#include "harness/memwire/window_checker.h"

#include <gtest/gtest.h>

#include "harness/memwire/tests/packet_builder.h"

namespace phantasm::memwire {
namespace {

using testing::build_packet;
namespace flag = testing::flag;

// A scripted connection through the checker: the test plays both ends.
class Conversation {
 public:
  explicit Conversation(WindowCheckerConfig config = {}, bool client_scale = true, bool server_scale = true)
      : checker(config), client_scale_(client_scale), server_scale_(server_scale) {}

  void handshake(uint32_t client_isn = 0, uint32_t server_isn = 0) {
    client_next = client_isn + 1;
    server_next = server_isn + 1;
    expect_accept(build_packet({.flags = flag::kSyn,
                                .seq = client_isn,
                                .window_scale = client_scale_ ? std::optional<uint8_t>(14) : std::nullopt}));
    expect_accept(build_packet({.from_client = false,
                                .flags = flag::kSyn | flag::kAck,
                                .seq = server_isn,
                                .ack = client_next,
                                .window_scale = server_scale_ ? std::optional<uint8_t>(14) : std::nullopt}));
    expect_accept(build_packet({.flags = flag::kAck, .seq = client_next, .ack = server_next}));
  }
  Verdict client_data(size_t len) {
    const Verdict v = checker.inspect(build_packet({.flags = flag::kAck, .seq = client_next, .ack = server_next, .payload_len = len}));
    client_next += static_cast<uint32_t>(len);
    return v;
  }
  Verdict server_ack(uint32_t ack) {
    return checker.inspect(build_packet({.from_client = false, .flags = flag::kAck, .seq = server_next, .ack = ack}));
  }
  Verdict server_ack() { return server_ack(client_next); }

  void expect_accept(const std::vector<uint8_t>& packet) {
    EXPECT_EQ(checker.inspect(packet), Verdict::kAccept) << (checker.log().empty() ? "" : checker.log().back());
  }

  WindowChecker checker;
  uint32_t client_next = 0;
  uint32_t server_next = 0;

 private:
  bool client_scale_;
  bool server_scale_;
};

struct VerdictCounts {
  int accepted = 0, ignored = 0, invalid = 0;
  int first_invalid = -1;
};

// The client sends `segments` segments of `len` bytes and the server never answers.
VerdictCounts one_way_without_acks(Conversation& c, int segments, size_t len) {
  VerdictCounts n;
  for (int k = 0; k < segments; ++k) {
    switch (c.client_data(len)) {
      case Verdict::kAccept: ++n.accepted; break;
      case Verdict::kIgnore: ++n.ignored; break;
      case Verdict::kInvalid:
        if (n.first_invalid < 0) n.first_invalid = k;
        ++n.invalid;
        break;
    }
  }
  return n;
}

TEST(WindowChecker, HandshakeEstablishesAndNegotiatesScaleOnlyWhenBothSidesOfferIt) {
  for (auto [client, server, scaled] : {std::tuple{true, true, true}, std::tuple{true, false, false},
                                        std::tuple{false, true, false}, std::tuple{false, false, false}}) {
    SCOPED_TRACE(std::string(client ? "SYN with wscale, " : "SYN without, ") + (server ? "SYN-ACK with" : "SYN-ACK without"));
    Conversation c({}, client, server);
    c.handshake(1000, 7777);
    const auto conns = c.checker.connections();
    ASSERT_EQ(conns.size(), 1u);
    EXPECT_EQ(conns[0].state, ConntrackState::kEstablished);
    EXPECT_EQ(conns[0].side[0].td_scale, scaled ? 14 : 0);
    EXPECT_EQ(conns[0].side[1].td_scale, scaled ? 14 : 0);
    EXPECT_EQ(c.checker.stats().invalid + c.checker.stats().ignored, 0u);
  }
}

// Segment k of 1000 bytes starts at seq 1 + 1000k. Until the server speaks, the client's bound
// is the SYN-ACK's ack + its unscaled window: 1 + 65535 = 65536. Segments that end there or
// before (k <= 64) pass; the kernel tolerates an overshoot of one receiver window (65535):
// overshot = end - 65536 + 1 <= 65535 holds for end <= 131070, i.e. k <= 130; then INVALID.
TEST(WindowChecker, OneWayDataWithoutAcksGoesInvalidAfterTwoUnscaledWindows) {
  for (bool scaled : {true, false}) {
    SCOPED_TRACE(scaled ? "scaled handshake" : "no window scale");
    Conversation c({}, scaled, scaled);
    c.handshake();
    const VerdictCounts n = one_way_without_acks(c, 200, 1000);
    EXPECT_EQ(n.accepted, 65);
    EXPECT_EQ(n.ignored, 66);
    EXPECT_EQ(n.first_invalid, 131);
    EXPECT_EQ(n.invalid, 200 - 131);
    EXPECT_EQ(c.checker.stats().count(ConntrackRule::kSeqOverUpperBound), 69u);
    EXPECT_EQ(c.checker.stats().count(ConntrackRule::kSeqOvershoot), 66u);
  }
}

TEST(WindowChecker, LinuxModeBoundsTheSegmentStartInsteadOfItsEnd) {
  Conversation c({.upper_bound = UpperBound::kSegmentStart});
  c.handshake();
  const VerdictCounts n = one_way_without_acks(c, 200, 1000);
  EXPECT_EQ(n.accepted, 66);  // seq 1 + 1000k <= 65536 for k <= 65
  EXPECT_EQ(n.ignored, 65);
  EXPECT_EQ(n.first_invalid, 131);
}

TEST(WindowChecker, OneScaledAckFromTheReceiverOpensTheScaledWindow) {
  Conversation c;
  c.handshake();
  EXPECT_EQ(c.server_ack(), Verdict::kAccept);  // window 65535 << 14: about 1 GiB
  const VerdictCounts n = one_way_without_acks(c, 10000, 1400);  // 14 MB
  EXPECT_EQ(n.accepted, 10000);
}

TEST(WindowChecker, UnscaledWindowStaysValidWhenTheReceiverAcksEvery32KiB) {
  Conversation c({}, false, false);
  c.handshake();
  uint32_t unacked = 0;
  for (int k = 0; k < 20000; ++k) {  // 28 MB, well past 16-bit windows and many times 64 KiB
    ASSERT_EQ(c.client_data(1400), Verdict::kAccept) << k << ": " << c.checker.log().back();
    unacked += 1400;
    if (unacked >= 32 * 1024) {
      ASSERT_EQ(c.server_ack(), Verdict::kAccept);
      unacked = 0;
    }
  }
  EXPECT_EQ(c.checker.stats().invalid + c.checker.stats().ignored, 0u);
  EXPECT_TRUE(c.checker.connections().at(0).side[0].data_unacknowledged);
  // An ACK of exactly the client's td_end clears the flag (what decides the UNACK timeout).
  ASSERT_EQ(c.server_ack(), Verdict::kAccept);
  EXPECT_FALSE(c.checker.connections().at(0).side[0].data_unacknowledged);
}

TEST(WindowChecker, AckingDataNeverSentIsInvalid) {
  Conversation c;
  c.handshake();
  ASSERT_EQ(c.client_data(100), Verdict::kAccept);
  EXPECT_EQ(c.server_ack(c.client_next + 1), Verdict::kInvalid);
  EXPECT_EQ(c.checker.stats().count(ConntrackRule::kAckOverUpperBound), 1u);
  EXPECT_EQ(c.server_ack(c.client_next), Verdict::kAccept);
}

TEST(WindowChecker, AckFarBehindIsIgnored) {
  Conversation c;
  c.handshake();
  ASSERT_EQ(c.server_ack(), Verdict::kAccept);
  for (int k = 0; k < 100; ++k) ASSERT_EQ(c.client_data(1400), Verdict::kAccept);
  // 140,000 bytes sent; an ACK for byte 1 lags by more than max(td_maxwin, 66000).
  ASSERT_GT(c.client_next - 1, 66000u);
  // The ACK's sender (the server) has a scaled td_maxwin of about 1 GiB: the lag is allowed...
  EXPECT_EQ(c.server_ack(1), Verdict::kAccept);
  // ...while without scaling it is not.
  Conversation u({}, false, false);
  u.handshake();
  for (int k = 0; k < 40; ++k) {
    ASSERT_EQ(u.client_data(1400), Verdict::kAccept);
    if (k % 20 == 19) {
      ASSERT_EQ(u.server_ack(), Verdict::kAccept);
    }
  }
  for (int k = 0; k < 40; ++k) {
    u.client_data(1400);
    if (k % 20 == 19) u.server_ack();
  }
  EXPECT_EQ(u.server_ack(1), Verdict::kIgnore);
  EXPECT_EQ(u.checker.stats().count(ConntrackRule::kAckUnderLowerBound), 1u);
}

TEST(WindowChecker, SegmentWithoutAHandshakeIsInvalidUnlessLoose) {
  const auto data = build_packet({.flags = flag::kAck, .seq = 5000, .ack = 9000, .payload_len = 10});
  WindowChecker strict;
  EXPECT_EQ(strict.inspect(data), Verdict::kInvalid);
  EXPECT_EQ(strict.stats().count(ConntrackRule::kNoConnection), 1u);
  WindowChecker loose({.loose = true});
  EXPECT_EQ(loose.inspect(data), Verdict::kAccept);
  EXPECT_EQ(loose.stats().picked_up, 1u);
}

TEST(WindowChecker, DropInvalidDropsOnlyInvalidSegments) {
  WindowChecker box({.drop_invalid = true});
  const auto stray = build_packet({.flags = flag::kAck, .seq = 5, .ack = 5, .payload_len = 1});
  EXPECT_TRUE(testing::run_box(box, Direction::kClientToServer, stray).empty());
  const auto syn = build_packet({.flags = flag::kSyn, .window_scale = 14});
  EXPECT_EQ(testing::run_box(box, Direction::kClientToServer, syn).size(), 1u);
  EXPECT_EQ(box.stats().dropped, 1u);
}

TEST(WindowChecker, RstClosesTheEntryAndANewSynReopensIt) {
  Conversation c;
  c.handshake();
  c.expect_accept(build_packet({.flags = flag::kRst, .seq = c.client_next}));
  EXPECT_TRUE(c.checker.connections().empty());
  c.handshake(0, 0);
  EXPECT_EQ(c.checker.connections().size(), 1u);
  EXPECT_EQ(c.checker.stats().connections, 2u);
}

TEST(WindowChecker, SynOnAnEstablishedConnectionIsIgnored) {
  Conversation c;
  c.handshake();
  EXPECT_EQ(c.checker.inspect(build_packet({.flags = flag::kSyn, .seq = 0, .window_scale = 14})), Verdict::kIgnore);
  EXPECT_EQ(c.checker.stats().count(ConntrackRule::kSynInEstablished), 1u);
}

TEST(WindowChecker, RetransmittedSynAndSynAckAreAccepted) {
  Conversation c;
  c.expect_accept(build_packet({.flags = flag::kSyn, .window_scale = 14}));
  c.expect_accept(build_packet({.flags = flag::kSyn, .window_scale = 14}));
  const auto syn_ack = build_packet({.from_client = false, .flags = flag::kSyn | flag::kAck, .ack = 1, .window_scale = 14});
  c.expect_accept(syn_ack);
  c.expect_accept(syn_ack);
  c.expect_accept(build_packet({.flags = flag::kAck, .seq = 1, .ack = 1}));
  EXPECT_EQ(c.checker.connections().at(0).state, ConntrackState::kEstablished);
}

TEST(WindowChecker, CorruptPacketIsMalformed) {
  auto packet = build_packet({.flags = flag::kSyn, .window_scale = 14});
  packet.back() ^= 0x01;  // the last option byte, now under a stale checksum
  WindowChecker box;
  EXPECT_EQ(box.inspect(packet), Verdict::kInvalid);
  EXPECT_EQ(box.stats().count(ConntrackRule::kMalformed), 1u);
}

}  // namespace
}  // namespace phantasm::memwire
