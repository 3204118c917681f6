#include "harness/memwire/seq_offset_rewriter.h"

#include <gtest/gtest.h>

#include "harness/memwire/tcp_rewrite.h"
#include "harness/memwire/tests/packet_builder.h"

namespace phantasm::memwire {
namespace {

using testing::build_packet;
namespace flag = testing::flag;
using testing::run_box;
using testing::SegmentSpec;

constexpr SeqOffsets kOffsets{.client = 0x10000000, .server = 0xF0000123};

TEST(TcpRewrite, SeqAndAckRewritesEqualAFreshlyBuiltPacket) {
  for (bool v6 : {false, true}) {
    SCOPED_TRACE(v6 ? "IPv6" : "IPv4");
    auto packet = build_packet({.flags = flag::kAck, .seq = 1, .ack = 77, .payload_len = 33, .ipv6 = v6});
    auto segment = tcp_segment_of(std::span<uint8_t>(packet));
    ASSERT_TRUE(segment);
    rewrite_seq(*segment, 0xDEADBEEF);
    rewrite_ack(*segment, 12345);
    EXPECT_EQ(packet, build_packet({.flags = flag::kAck, .seq = 0xDEADBEEF, .ack = 12345, .payload_len = 33, .ipv6 = v6}));
  }
}

TEST(TcpRewrite, ByteRewriteAtAnOddOffsetKeepsTheChecksumValid) {
  auto packet = build_packet({.payload_len = 11});
  auto segment = tcp_segment_of(std::span<uint8_t>(packet));
  ASSERT_TRUE(segment);
  const uint8_t bytes[] = {1, 2, 3};
  rewrite_bytes(*segment, 20 + 7, bytes);  // payload bytes 7..9, starting at an odd offset
  const auto parsed = wire::parse_packet(packet);
  ASSERT_TRUE(parsed) << to_string(parsed.error());
  EXPECT_EQ(parsed->payload[7], 1);
  EXPECT_EQ(parsed->payload[9], 3);
  EXPECT_EQ(parsed->payload[10], 0xAB);
}

TEST(TcpRewrite, NonTcpAndTruncatedPacketsHaveNoSegment) {
  std::vector<uint8_t> udp = build_packet({});
  udp[9] = 17;  // protocol UDP
  EXPECT_FALSE(tcp_segment_of(std::span<const uint8_t>(udp)));
  std::vector<uint8_t> short_packet = build_packet({});
  short_packet.resize(30);
  EXPECT_FALSE(tcp_segment_of(std::span<const uint8_t>(short_packet)));
  EXPECT_FALSE(tcp_segment_of(std::span<const uint8_t>()));
}

TEST(SeqOffsetRewriter, ShiftsEachSidesSequenceAndTranslatesTheOthersAck) {
  SeqOffsetRewriter box(kOffsets);
  // Client data: seq gets the client offset, ack loses the server offset.
  auto out = run_box(box, Direction::kClientToServer,
                     build_packet({.from_client = true, .flags = flag::kAck, .seq = 1, .ack = 5, .payload_len = 10}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], build_packet({.from_client = true,
                                  .flags = flag::kAck,
                                  .seq = 1 + kOffsets.client,
                                  .ack = 5 - kOffsets.server,
                                  .payload_len = 10}));
  // Server data the other way round.
  out = run_box(box, Direction::kServerToClient,
                build_packet({.from_client = false, .flags = flag::kAck, .seq = 9, .ack = 11, .payload_len = 4}));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], build_packet({.from_client = false,
                                  .flags = flag::kAck,
                                  .seq = 9 + kOffsets.server,
                                  .ack = 11 - kOffsets.client,
                                  .payload_len = 4}));
  EXPECT_EQ(box.rewritten(), 2u);
}

TEST(SeqOffsetRewriter, RoundTripThroughTheOtherSideRestoresTheNumbers) {
  // A client seq shifted on the way up comes back as the server's ack shifted back: what the
  // server acknowledges (seq + offset + len) arrives at the client as seq + len.
  SeqOffsetRewriter box(kOffsets);
  const auto up = run_box(box, Direction::kClientToServer,
                          build_packet({.from_client = true, .flags = flag::kAck, .seq = 100, .ack = 1, .payload_len = 5}));
  const auto seen_by_server = wire::parse_packet(up.at(0));
  ASSERT_TRUE(seen_by_server);
  const uint32_t server_ack = seen_by_server->seq + 5;
  const auto down = run_box(box, Direction::kServerToClient,
                            build_packet({.from_client = false, .flags = flag::kAck, .seq = 1, .ack = server_ack}));
  const auto seen_by_client = wire::parse_packet(down.at(0));
  ASSERT_TRUE(seen_by_client);
  EXPECT_EQ(seen_by_client->ack, 105u);
}

TEST(SeqOffsetRewriter, LeavesTheAckFieldOfSegmentsWithoutAckAlone) {
  SeqOffsetRewriter box(kOffsets);
  // The SYN and Phantun's close RST carry ack 0 without the ACK flag.
  for (uint8_t flags : {flag::kSyn, flag::kRst}) {
    const auto out = run_box(box, Direction::kClientToServer,
                             build_packet({.flags = flags, .seq = 0, .ack = 0, .window_scale = std::nullopt}));
    const auto seg = wire::parse_packet(out.at(0));
    ASSERT_TRUE(seg);
    EXPECT_EQ(seg->seq, kOffsets.client);
    EXPECT_EQ(seg->ack, 0u);
  }
}

TEST(SeqOffsetRewriter, KeepsOptionsAndChecksumsOfHandshakeSegments) {
  SeqOffsetRewriter box(kOffsets);
  const auto out = run_box(box, Direction::kServerToClient,
                           build_packet({.from_client = false,
                                         .flags = flag::kSyn | flag::kAck,
                                         .seq = 0,
                                         .ack = 1 + kOffsets.client,
                                         .window_scale = 14}));
  const auto seg = wire::parse_packet(out.at(0));  // verifies both checksums
  ASSERT_TRUE(seg) << to_string(seg.error());
  EXPECT_EQ(seg->seq, kOffsets.server);
  EXPECT_EQ(seg->ack, 1u);
  EXPECT_EQ(seg->options.window_scale, 14);
}

TEST(SeqOffsetRewriter, PassesNonTcpUnchanged) {
  SeqOffsetRewriter box(kOffsets);
  const std::vector<uint8_t> junk = {0x45, 0, 0, 4};
  const auto out = run_box(box, Direction::kClientToServer, junk);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], junk);
  EXPECT_EQ(box.not_tcp(), 1u);
}

}  // namespace
}  // namespace phantasm::memwire
