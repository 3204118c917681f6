// Byte-for-byte checks of every packet Phantun sends, IPv4 and IPv6: what phantun_segments.h +
// emit_in_front/emit_bare write must equal the hand-written arrays of golden_packets.h.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "engine/tests/golden_packets.h"
#include "engine/tests/wire_test_util.h"

namespace phantasm::wire::testing {
namespace {

std::string hex(std::span<const uint8_t> b) {
  std::string s;
  char buf[4];
  for (size_t i = 0; i < b.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%02x", b[i]);
    s += buf;
    if (i + 1 < b.size()) s += (i % 4 == 3) ? "  " : " ";
  }
  return s;
}

uint16_t be16(std::span<const uint8_t> b, size_t at) { return static_cast<uint16_t>(b[at] << 8 | b[at + 1]); }
uint32_t be32(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint32_t>(be16(b, at)) << 16 | be16(b, at + 2);
}

class Golden : public ::testing::TestWithParam<GoldenPacket> {};

// The arrays themselves: their checksums must be right by a sum that shares no code with the
// engine, or a shared checksum bug would be enshrined in both.
TEST_P(Golden, ArrayChecksumsVerifyWithNaiveSum) {
  EXPECT_EQ(naive_check_packet(GetParam().bytes), "");
}

// The arrays against phantun-wire.md §1.1-1.3 field by field, so that a typo in an array is
// caught even where engine and array would agree.
TEST_P(Golden, ArrayFollowsPhantunWireRules) {
  const auto& g = GetParam();
  const auto b = g.bytes;
  const bool v4 = g.header.src.is_v4();
  const bool syn = g.header.flags & tcp::flag::kSyn;
  const size_t ip = v4 ? 20 : 40;
  ASSERT_EQ(b.size(), (v4 ? 40u : 60u) + (syn ? 4u : 0u) + g.payload.size());
  if (v4) {
    EXPECT_EQ(b[0], 0x45);
    EXPECT_EQ(b[1], 0);                 // TOS
    EXPECT_EQ(be16(b, 2), b.size());   // total length
    EXPECT_EQ(be16(b, 4), 0);          // ID always 0
    EXPECT_EQ(be16(b, 6), 0x4000);     // DF, no fragment
    EXPECT_EQ(b[8], 64);               // TTL
    EXPECT_EQ(b[9], 6);
  } else {
    EXPECT_EQ(be32(b, 0), 0x60000000u);  // version 6, class 0, flow label 0
    EXPECT_EQ(be16(b, 4), b.size() - 40);
    EXPECT_EQ(b[6], 6);
    EXPECT_EQ(b[7], 64);  // hop limit
  }
  EXPECT_EQ(be16(b, ip), g.header.src_port);
  EXPECT_EQ(be16(b, ip + 2), g.header.dst_port);
  EXPECT_EQ(be32(b, ip + 4), g.header.seq);
  EXPECT_EQ(be32(b, ip + 8), g.header.ack);
  EXPECT_EQ(b[ip + 12], syn ? 0x60 : 0x50);  // data offset 6 with the SYN option, else 5
  EXPECT_EQ(b[ip + 13], g.header.flags);
  EXPECT_EQ(b[ip + 13] & (tcp::flag::kPsh | tcp::flag::kUrg | tcp::flag::kFin), 0);
  EXPECT_EQ(be16(b, ip + 14), 0xFFFF);  // window, RSTs included
  EXPECT_EQ(be16(b, ip + 18), 0);       // urgent pointer
  if (syn) {
    EXPECT_EQ(be32(b, ip + 20), 0x0103030Eu);
  }
}

TEST_P(Golden, EmitInFrontWritesExactBytes) {
  const auto& g = GetParam();
  const std::vector<uint8_t> emitted = emit_golden(g);
  EXPECT_EQ(hex(emitted), hex(g.bytes));
}

TEST_P(Golden, ParsesBackToItsHeader) {
  const auto& g = GetParam();
  auto seg = parse_packet(g.bytes, ChecksumPolicy::kVerify);
  ASSERT_TRUE(seg) << to_string(seg.error());
  EXPECT_EQ(seg->version, g.header.src.version());
  EXPECT_EQ(seg->src, g.header.src);
  EXPECT_EQ(seg->dst, g.header.dst);
  EXPECT_EQ(seg->src_port, g.header.src_port);
  EXPECT_EQ(seg->dst_port, g.header.dst_port);
  EXPECT_EQ(seg->seq, g.header.seq);
  EXPECT_EQ(seg->ack, g.header.ack);
  EXPECT_EQ(seg->flags, g.header.flags);
  EXPECT_EQ(seg->window, 0xFFFF);
  EXPECT_EQ(seg->options.window_scale, g.header.window_scale);
  EXPECT_FALSE(seg->options.mss);
  EXPECT_FALSE(seg->options.sack_permitted);
  EXPECT_FALSE(seg->options.timestamps);
  EXPECT_EQ(seg->payload.data(), g.bytes.data() + (g.bytes.size() - g.payload.size()));
  EXPECT_EQ(hex(seg->payload), hex(g.payload));
}

INSTANTIATE_TEST_SUITE_P(Phantun, Golden, ::testing::ValuesIn(golden_packets()),
                         [](const ::testing::TestParamInfo<GoldenPacket>& p) { return p.param.name; });

// emit_bare is for segments without payload (SYN, ACK, RST...), written at the buffer's start.
class GoldenBare : public ::testing::TestWithParam<GoldenPacket> {};

TEST_P(GoldenBare, EmitBareWritesExactBytesAtBufferStart) {
  const auto& g = GetParam();
  std::vector<uint8_t> buffer(g.bytes.size() + 7, 0xEE);
  auto packet = emit_bare(buffer, g.header);
  ASSERT_TRUE(packet) << to_string(packet.error());
  EXPECT_EQ(packet->data(), buffer.data());
  EXPECT_EQ(hex(*packet), hex(g.bytes));
  EXPECT_EQ(buffer[g.bytes.size()], 0xEE) << "emit_bare wrote past the packet";
}

INSTANTIATE_TEST_SUITE_P(Phantun, GoldenBare, ::testing::ValuesIn(golden_packets_without_payload()),
                         [](const ::testing::TestParamInfo<GoldenPacket>& p) { return p.param.name; });

// phantun-wire.md §1.3: the RST+ACK for an unknown tuple acknowledges seq + payload length,
// with no +1 even when the unknown segment was a SYN; only the refused-SYN answer adds 1.
TEST(PhantunSegments, RstForUnknownSynDoesNotCountTheSyn) {
  const Segment syn = incoming_at_server(IpVersion::kV4, 77, 5, tcp::flag::kSyn, {});
  const SegmentHeader unknown = phantun::rst_for(syn, false);
  EXPECT_EQ(unknown.seq, 5u);
  EXPECT_EQ(unknown.ack, 77u);
  const SegmentHeader refused = phantun::rst_for(syn, true);
  EXPECT_EQ(refused.seq, 0u);
  EXPECT_EQ(refused.ack, 78u);
  EXPECT_EQ(refused.flags, tcp::flag::kRst | tcp::flag::kAck);
  EXPECT_EQ(refused.src_port, 4567);
  EXPECT_EQ(refused.dst_port, 40000);
}

TEST(PhantunSegments, RstForWrapsSequenceArithmetic) {
  const Segment s = incoming_at_server(IpVersion::kV6, 0xFFFFFFFE, 9, tcp::flag::kAck, kHello);
  EXPECT_EQ(phantun::rst_for(s, false).ack, 3u);  // 0xFFFFFFFE + 5 wraps
}

}  // namespace
}  // namespace phantasm::wire::testing
