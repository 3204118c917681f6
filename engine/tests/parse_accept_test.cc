// What the parser must accept although Phantun never sends it ("accept liberally", DESIGN §4):
// well-formed IPv4 and TCP options, IPv6 extension headers, link padding, any flag combination
// a real TCP sends, and the kTrust policy for packets the kernel already verified.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/tests/golden_packets.h"
#include "engine/tests/wire_test_util.h"

namespace phantasm::wire::testing {
namespace {

const std::vector<uint8_t> kPayload = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03};

Segment parse_ok(std::span<const uint8_t> packet, ChecksumPolicy policy = ChecksumPolicy::kVerify) {
  auto seg = parse_packet(packet, policy);
  EXPECT_TRUE(seg) << to_string(seg.error());
  return seg ? *seg : Segment{};
}

void expect_payload_at_end(const Segment& seg, std::span<const uint8_t> packet, size_t trailer = 0) {
  ASSERT_EQ(seg.payload.size(), kPayload.size());
  EXPECT_EQ(seg.payload.data(), packet.data() + packet.size() - trailer - kPayload.size());
  EXPECT_TRUE(std::equal(seg.payload.begin(), seg.payload.end(), kPayload.begin()));
}

TEST(ParseAccept, WellFormedIpv4Options) {
  const std::vector<std::vector<uint8_t>> option_lists = {
      {1, 1, 1, 0},                          // NOPs, end of list
      {0x94, 4, 0, 0},                       // Router Alert
      {0x07, 7, 4, 0, 0, 0, 0, 0},           // Record Route with one empty slot, end of list
      {0, 0xFF, 0x44, 0x02},                 // after end of list the rest is padding, whatever it holds
      {1, 1, 0x44, 4, 5, 0, 1, 1, 0, 0, 0, 0},  // Timestamp, which the parser only bounds-checks
  };
  for (const auto& opts : option_lists) {
    CraftedPacket c = crafted_v4();
    c.ip_options = opts;
    c.payload = kPayload;
    const auto bytes = c.bytes();
    SCOPED_TRACE(::testing::PrintToString(opts));
    const Segment seg = parse_ok(bytes);
    EXPECT_EQ(seg.src, c.src);
    EXPECT_EQ(seg.seq, c.seq);
    expect_payload_at_end(seg, bytes);
  }
}

TEST(ParseAccept, Ipv4HeaderValuesPhantunNeverSendsAreFine) {
  // Any TTL, TOS and ID, and DF clear: middleboxes rewrite these, and none changes the segment.
  CraftedPacket c = crafted_v4();
  c.ttl = 1;
  c.tos = 0xB8;
  c.ident = 0x1234;
  c.flags_fragment = 0;
  EXPECT_EQ(verdict(c.bytes()), "accepted");
}

TEST(ParseAccept, Ipv6TrafficClassAndFlowLabelAreIgnored) {
  std::vector<uint8_t> p(std::begin(kDataV6), std::end(kDataV6));
  p[0] = 0x6B;  // class 0xB8, flow label 0x12345: no checksum covers them
  p[1] = 0x81;
  p[2] = 0x23;
  p[3] = 0x45;
  p[7] = 1;  // hop limit
  EXPECT_EQ(verdict(p), "accepted");
}

TEST(ParseAccept, Ipv6ExtensionHeadersAreSkipped) {
  // RFC 8200 §4.1 order: Hop-by-Hop first, then Routing, then Destination Options.
  CraftedPacket c = crafted_v6();
  c.extensions = {{0}, {43, 24}, {60, 16}};
  c.payload = kPayload;
  c.seq = 0xA1B2C3D4;
  c.flags = tcp::flag::kAck | tcp::flag::kPsh;
  const auto bytes = c.bytes();
  ASSERT_EQ(bytes.size(), 40u + 8 + 24 + 16 + 20 + kPayload.size());
  const Segment seg = parse_ok(bytes);
  EXPECT_EQ(seg.version, IpVersion::kV6);
  EXPECT_EQ(seg.src, c.src);
  EXPECT_EQ(seg.dst, c.dst);
  EXPECT_EQ(seg.src_port, 40000);
  EXPECT_EQ(seg.dst_port, 4567);
  EXPECT_EQ(seg.seq, 0xA1B2C3D4u);
  EXPECT_EQ(seg.flags, tcp::flag::kAck | tcp::flag::kPsh);
  expect_payload_at_end(seg, bytes);
}

TEST(ParseAccept, EightExtensionHeadersAreTheLimit) {
  CraftedPacket c = crafted_v6();
  c.extensions = std::vector<Extension>(8, {60});
  c.payload = kPayload;
  const auto bytes = c.bytes();
  expect_payload_at_end(parse_ok(bytes), bytes);
}

TEST(ParseAccept, TcpOptionsOfARealStack) {
  // Linux's SYN: MSS 1460, SACK permitted, timestamps, NOP, window scale 7.
  CraftedPacket c = crafted_v4();
  c.flags = tcp::flag::kSyn;
  c.tcp_options = {2, 4, 0x05, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7};
  const Segment seg = parse_ok(c.bytes());
  EXPECT_EQ(seg.options.mss, 1460);
  EXPECT_TRUE(seg.options.sack_permitted);
  EXPECT_TRUE(seg.options.timestamps);
  EXPECT_EQ(seg.options.window_scale, 7);
}

TEST(ParseAccept, UnknownTcpOptionsAreSkipped) {
  CraftedPacket c = crafted_v6();
  // kind 30 (MPTCP) len 4, SACK block kind 5 len 10, kind 253 (experiment) len 2, then MSS.
  c.tcp_options = {30, 4, 0, 0, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2, 253, 2, 2, 4, 0x05, 0x78};
  c.payload = kPayload;
  const auto bytes = c.bytes();
  const Segment seg = parse_ok(bytes);
  EXPECT_EQ(seg.options.mss, 1400);
  EXPECT_FALSE(seg.options.window_scale);
  EXPECT_FALSE(seg.options.sack_permitted);
  expect_payload_at_end(seg, bytes);
}

TEST(ParseAccept, PhantasmHelloIsReadOnlyWithItsExIdAndLength) {
  // RFC 6994: kind 253 is shared by every experiment; the ExID says whose it is.
  const std::vector<uint8_t> ours = {253, 12, 0x70, 0x68, 1, 0x80, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC};
  CraftedPacket c = crafted_v4();
  c.flags = tcp::flag::kSyn;
  c.tcp_options = ours;
  auto hello = parse_ok(c.bytes()).options.phantasm;
  ASSERT_TRUE(hello);
  EXPECT_EQ(hello->version, 1);
  EXPECT_EQ(hello->flags, 0x80);
  EXPECT_EQ(hello->session, 0x123456789ABCu);

  std::vector<uint8_t> other_exid = ours;
  other_exid[3] = 0x69;
  std::vector<uint8_t> other_length = {253, 8, 0x70, 0x68, 1, 0x80, 0x12, 0x34, 1, 1, 1, 0};
  for (const auto& opts : {other_exid, other_length}) {
    c.tcp_options = opts;
    const Segment seg = parse_ok(c.bytes());
    EXPECT_FALSE(seg.options.phantasm) << ::testing::PrintToString(opts);
  }
}

TEST(ParseAccept, EndOfOptionListStopsTheWalk) {
  // Bytes after End of Option List are padding: a malformed MSS there is not read.
  CraftedPacket c = crafted_v4();
  c.tcp_options = {1, 0, 2, 3};
  const Segment seg = parse_ok(c.bytes());
  EXPECT_FALSE(seg.options.mss);
}

TEST(ParseAccept, WindowScaleAbove14IsClamped) {
  // RFC 7323 §2.3: a shift above 14 is used as 14.
  for (const auto& [shift, expected] : {std::pair<uint8_t, uint8_t>{0, 0}, {14, 14}, {15, 14}, {200, 14}, {255, 14}}) {
    CraftedPacket c = crafted_v4();
    c.flags = tcp::flag::kSyn | tcp::flag::kAck;
    c.tcp_options = {1, 3, 3, shift};
    EXPECT_EQ(parse_ok(c.bytes()).options.window_scale, expected) << int{shift};
  }
}

TEST(ParseAccept, FlagCombinationsARealTcpSends) {
  namespace f = tcp::flag;
  for (const uint8_t flags : {f::kSyn, uint8_t(f::kSyn | f::kAck), f::kAck, uint8_t(f::kAck | f::kPsh), f::kRst,
                              uint8_t(f::kRst | f::kAck), uint8_t(f::kFin | f::kAck),
                              uint8_t(f::kFin | f::kAck | f::kPsh), uint8_t(f::kAck | f::kUrg),
                              uint8_t(f::kSyn | f::kUrg), uint8_t(f::kSyn | f::kEce | f::kCwr),
                              uint8_t(f::kAck | f::kEce), uint8_t(f::kAck | f::kCwr | f::kPsh)}) {
    CraftedPacket c = crafted_v4();
    c.flags = flags;
    const Segment seg = parse_ok(c.bytes());
    EXPECT_EQ(seg.flags, flags);
  }
}

TEST(ParseAccept, TrailingLinkPaddingIsIgnored) {
  // Ethernet pads short frames to 60 bytes; what lies beyond the IP length is not payload.
  for (CraftedPacket c : {crafted_v4(), crafted_v6()}) {
    c.payload = kPayload;
    c.trailer = {0, 0, 0, 0, 0, 0, 0xAA, 0x55};
    const auto bytes = c.bytes();
    const Segment seg = parse_ok(bytes);
    expect_payload_at_end(seg, bytes, c.trailer.size());
  }
  // A bare ACK padded to the Ethernet minimum.
  std::vector<uint8_t> padded(std::begin(kHandshakeAckV4), std::end(kHandshakeAckV4));
  padded.resize(60, 0);
  EXPECT_TRUE(parse_ok(padded).payload.empty());
}

TEST(ParseAccept, TrustPolicySkipsBothChecksums) {
  std::vector<uint8_t> p(std::begin(kDataV4), std::end(kDataV4));
  p[10] ^= 0xFF;  // IPv4 header checksum
  p[36] ^= 0xFF;  // TCP checksum
  EXPECT_EQ(verdict(p, ChecksumPolicy::kVerify), name_of(DropReason::kIpv4BadChecksum));
  const Segment seg = parse_ok(p, ChecksumPolicy::kTrust);
  EXPECT_EQ(seg.payload.size(), sizeof kHello);

  std::vector<uint8_t> q(std::begin(kDataV6), std::end(kDataV6));
  q[56] = 0;  // TCP checksum
  q[57] = 0;
  EXPECT_EQ(verdict(q, ChecksumPolicy::kVerify), name_of(DropReason::kTcpBadChecksum));
  EXPECT_EQ(verdict(q, ChecksumPolicy::kTrust), "accepted");
}

TEST(ParseAccept, PartialChecksumPacketsPassOnlyWhenTrusted) {
  // What a NEEDS_CSUM packet looks like before the device finishes it: the kernel hands such
  // packets over with the field unfinished, which is why the host passes kTrust for them.
  for (const auto& g : golden_packets()) {
    const auto partial = emit_golden(g, ChecksumMode::kPartial);
    EXPECT_EQ(verdict(partial, ChecksumPolicy::kTrust), "accepted") << g.name;
    EXPECT_EQ(verdict(partial, ChecksumPolicy::kVerify), name_of(DropReason::kTcpBadChecksum)) << g.name;
  }
}

}  // namespace
}  // namespace phantasm::wire::testing
