// Every drop reason the codec can produce, reached with a packet that is valid in every other
// respect (crafted with correct checksums unless the checksum is the point), one named case per
// malformation.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "engine/tests/golden_packets.h"
#include "engine/tests/wire_test_util.h"

namespace phantasm::wire::testing {
namespace {

struct RejectCase {
  std::string name;
  DropReason reason;
  std::vector<uint8_t> packet;
};
void PrintTo(const RejectCase& c, std::ostream* os) { *os << c.name; }

template <typename F>
std::vector<uint8_t> v4_with(F edit) {
  CraftedPacket c = crafted_v4();
  edit(c);
  return c.bytes();
}
template <typename F>
std::vector<uint8_t> v6_with(F edit) {
  CraftedPacket c = crafted_v6();
  edit(c);
  return c.bytes();
}
std::vector<uint8_t> patched(std::span<const uint8_t> packet, size_t at, uint8_t value) {
  std::vector<uint8_t> p(packet.begin(), packet.end());
  p[at] = value;
  return p;
}
std::vector<uint8_t> with_tcp_options(std::vector<uint8_t> options) {
  return v4_with([&](CraftedPacket& c) { c.tcp_options = std::move(options); });
}
std::vector<uint8_t> with_flags(uint8_t flags) {
  return v4_with([&](CraftedPacket& c) { c.flags = flags; });
}
std::vector<uint8_t> with_extensions(std::vector<Extension> chain, uint8_t protocol = 6) {
  return v6_with([&](CraftedPacket& c) {
    c.extensions = std::move(chain);
    c.protocol = protocol;
  });
}

constexpr uint8_t kDestOpts = 60, kHopByHop = 0, kRouting = 43, kFragment = 44;

std::vector<RejectCase> reject_cases() {
  using D = DropReason;
  namespace f = tcp::flag;
  std::vector<RejectCase> cases = {
      {"Empty", D::kEmpty, {}},
      // IP version
      {"VersionZero", D::kBadIpVersion, patched(kDataV4, 0, 0x05)},
      {"VersionFive", D::kBadIpVersion, patched(kDataV4, 0, 0x55)},
      {"VersionFifteen", D::kBadIpVersion, patched(kDataV6, 0, 0xF0)},
      {"SingleByteBadVersion", D::kBadIpVersion, {0x10}},
      // IPv4 header and lengths
      {"Ipv4IhlFour", D::kIpv4BadIhl, v4_with([](CraftedPacket& c) { c.ihl_words = 4; })},
      {"Ipv4IhlZero", D::kIpv4BadIhl, v4_with([](CraftedPacket& c) { c.ihl_words = 0; })},
      {"Ipv4IhlBeyondPacket", D::kIpv4Truncated, v4_with([](CraftedPacket& c) { c.ihl_words = 15; })},
      {"Ipv4TotalLengthBelowIhl", D::kIpv4BadTotalLength, v4_with([](CraftedPacket& c) { c.total_length = 19; })},
      {"Ipv4TotalLengthBelowIhlWithOptions", D::kIpv4BadTotalLength, v4_with([](CraftedPacket& c) {
         c.ip_options = {1, 1, 1, 0};
         c.total_length = 23;
       })},
      {"Ipv4TotalLengthBeyondPacket", D::kIpv4Truncated, v4_with([](CraftedPacket& c) { c.total_length = 41; })},
      {"Ipv4BadHeaderChecksum", D::kIpv4BadChecksum, patched(kDataV4, 11, kDataV4[11] ^ 0x01)},
      {"Ipv4BadChecksumFromTtl", D::kIpv4BadChecksum, patched(kSynV4, 8, 63)},
      // IPv4 options (RFC 791 §3.1)
      {"Ipv4OptionLengthZero", D::kIpv4BadOptions, v4_with([](CraftedPacket& c) { c.ip_options = {0x94, 0, 0, 0}; })},
      {"Ipv4OptionLengthOne", D::kIpv4BadOptions, v4_with([](CraftedPacket& c) { c.ip_options = {0x07, 1, 0, 0}; })},
      {"Ipv4OptionPastEnd", D::kIpv4BadOptions, v4_with([](CraftedPacket& c) { c.ip_options = {0x94, 8, 0, 0}; })},
      {"Ipv4OptionKindWithoutLength", D::kIpv4BadOptions,
       v4_with([](CraftedPacket& c) { c.ip_options = {1, 1, 1, 0x94}; })},
      // Fragments
      {"Ipv4MoreFragments", D::kIpFragment, v4_with([](CraftedPacket& c) { c.flags_fragment = 0x2000; })},
      {"Ipv4FragmentOffset", D::kIpFragment, v4_with([](CraftedPacket& c) { c.flags_fragment = 0x4001; })},
      {"Ipv4LastFragment", D::kIpFragment, v4_with([](CraftedPacket& c) { c.flags_fragment = 0x1FFF; })},
      {"Ipv6FragmentHeader", D::kIpFragment, with_extensions({{kFragment}})},
      {"Ipv6FragmentAfterHopByHop", D::kIpFragment, with_extensions({{kHopByHop}, {kFragment}})},
      // IPv6 lengths and extension headers
      {"Ipv6PayloadBeyondPacket", D::kIpv6Truncated, v6_with([](CraftedPacket& c) { c.payload_length = 21; })},
      {"Ipv6JumbogramLength", D::kIpv6Truncated, v6_with([](CraftedPacket& c) { c.payload_length = 0; })},
      {"Ipv6ExtensionCutByPayloadLength", D::kIpv6BadExtension, v6_with([](CraftedPacket& c) {
         c.extensions = {{kRouting}};
         c.payload_length = 4;
       })},
      {"Ipv6ExtensionLengthPastEnd", D::kIpv6BadExtension,
       patched(with_extensions({{kDestOpts}}), 41, 10)},  // claims 88 bytes
      {"Ipv6Esp", D::kIpv6BadExtension, with_extensions({}, 50)},
      {"Ipv6Ah", D::kIpv6BadExtension, with_extensions({}, 51)},
      {"Ipv6AhAfterHopByHop", D::kIpv6BadExtension, with_extensions({{kHopByHop}}, 51)},
      {"Ipv6HopByHopNotFirst", D::kIpv6BadExtension, with_extensions({{kDestOpts}, {kHopByHop}})},
      {"Ipv6NineExtensionHeaders", D::kIpv6BadExtension, with_extensions(std::vector<Extension>(9, {kDestOpts}))},
      // Not TCP
      {"Ipv4Udp", D::kNotTcp, v4_with([](CraftedPacket& c) { c.protocol = 17; })},
      {"Ipv4Icmp", D::kNotTcp, v4_with([](CraftedPacket& c) { c.protocol = 1; })},
      {"Ipv6Udp", D::kNotTcp, with_extensions({}, 17)},
      {"Ipv6NoNextHeader", D::kNotTcp, with_extensions({}, 59)},
      {"Ipv6UdpAfterExtensions", D::kNotTcp, with_extensions({{kHopByHop}, {kRouting, 24}}, 17)},
      // Addresses no tunnel endpoint can have
      {"Ipv4SourceUnspecified", D::kBadAddress, v4_with([](CraftedPacket& c) { c.src = IpAddress::v4(0u); })},
      {"Ipv4DestinationMulticast", D::kBadAddress,
       v4_with([](CraftedPacket& c) { c.dst = IpAddress::v4({224, 0, 0, 1}); })},
      {"Ipv4SourceMulticast", D::kBadAddress, v4_with([](CraftedPacket& c) { c.src = IpAddress::v4({239, 1, 2, 3}); })},
      {"Ipv4DestinationBroadcast", D::kBadAddress,
       v4_with([](CraftedPacket& c) { c.dst = IpAddress::v4({255, 255, 255, 255}); })},
      {"Ipv6SourceUnspecified", D::kBadAddress, v6_with([](CraftedPacket& c) { c.src = *IpAddress::parse("::"); })},
      {"Ipv6DestinationMulticast", D::kBadAddress,
       v6_with([](CraftedPacket& c) { c.dst = *IpAddress::parse("ff02::1"); })},
      // TCP header and data offset
      {"TcpHeaderCut", D::kTcpTruncated, shorten_consistently(kHandshakeAckV4, 39)},
      {"TcpNoHeaderAtAll", D::kTcpTruncated, shorten_consistently(kHandshakeAckV4, 20)},
      {"TcpDataOffsetPastSegment", D::kTcpTruncated, v4_with([](CraftedPacket& c) { c.doff_words = 15; })},
      {"TcpDataOffsetPastSegmentV6", D::kTcpTruncated, v6_with([](CraftedPacket& c) { c.doff_words = 6; })},
      {"TcpDataOffsetFour", D::kTcpBadDataOffset, v4_with([](CraftedPacket& c) { c.doff_words = 4; })},
      {"TcpDataOffsetZero", D::kTcpBadDataOffset, v6_with([](CraftedPacket& c) { c.doff_words = 0; })},
      // TCP options
      {"TcpOptionLengthZero", D::kTcpBadOptions, with_tcp_options({30, 0, 0, 0})},
      {"TcpOptionLengthOne", D::kTcpBadOptions, with_tcp_options({30, 1, 0, 0})},
      {"TcpOptionPastEnd", D::kTcpBadOptions, with_tcp_options({1, 30, 4, 0})},
      {"TcpOptionKindWithoutLength", D::kTcpBadOptions, with_tcp_options({1, 1, 1, 2})},
      {"TcpMssLengthThree", D::kTcpBadOptions, with_tcp_options({2, 3, 5, 0})},
      {"TcpMssLengthSix", D::kTcpBadOptions, with_tcp_options({2, 6, 5, 0xb4, 0, 0, 0, 0})},
      {"TcpWindowScaleLengthFour", D::kTcpBadOptions, with_tcp_options({3, 4, 14, 0})},
      {"TcpWindowScaleLengthTwo", D::kTcpBadOptions, with_tcp_options({3, 2, 1, 1})},
      {"TcpSackPermittedLengthThree", D::kTcpBadOptions, with_tcp_options({4, 3, 0, 0})},
      {"TcpTimestampsLengthNine", D::kTcpBadOptions, with_tcp_options({8, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})},
      // TCP checksum: payload, header and pseudo-header (addresses) are all covered
      {"TcpBadChecksumPayload", D::kTcpBadChecksum, patched(kDataV4, 40, 'H')},
      {"TcpBadChecksumPayloadV6", D::kTcpBadChecksum, patched(kDataV6, 64, 'O')},
      {"TcpBadChecksumHeader", D::kTcpBadChecksum, patched(kSynV6, 40 + 23, 7)},
      {"TcpBadChecksumPseudoHeader", D::kTcpBadChecksum, patched(kHandshakeAckV6, 23, 3)},
      // Flag combinations no TCP sends
      {"TcpNoFlags", D::kTcpBadFlags, with_flags(0)},
      {"TcpSynFin", D::kTcpBadFlags, with_flags(f::kSyn | f::kFin)},
      {"TcpSynRst", D::kTcpBadFlags, with_flags(f::kSyn | f::kRst)},
      {"TcpSynFinAck", D::kTcpBadFlags, with_flags(f::kSyn | f::kFin | f::kAck)},
      {"TcpFinAlone", D::kTcpBadFlags, with_flags(f::kFin)},
      {"TcpRstFin", D::kTcpBadFlags, with_flags(f::kRst | f::kFin)},
      {"TcpPshAlone", D::kTcpBadFlags, with_flags(f::kPsh)},
      {"TcpXmas", D::kTcpBadFlags, with_flags(f::kFin | f::kPsh | f::kUrg)},
      {"TcpAllFlags", D::kTcpBadFlags, with_flags(0xFF)},
      // Ports
      {"TcpSourcePortZero", D::kTcpBadPort, v4_with([](CraftedPacket& c) { c.src_port = 0; })},
      {"TcpDestinationPortZero", D::kTcpBadPort, v6_with([](CraftedPacket& c) { c.dst_port = 0; })},
  };
  return cases;
}

bool is_checksum_reason(DropReason r) { return r == DropReason::kIpv4BadChecksum || r == DropReason::kTcpBadChecksum; }

class ParseReject : public ::testing::TestWithParam<RejectCase> {};

TEST_P(ParseReject, GivesTheExactReason) {
  const auto& c = GetParam();
  EXPECT_EQ(verdict(c.packet, ChecksumPolicy::kVerify), name_of(c.reason));
  // Without verification the checksum cases pass, and every other reason stays the same:
  // kTrust skips checks, it does not reorder them.
  EXPECT_EQ(verdict(c.packet, ChecksumPolicy::kTrust), is_checksum_reason(c.reason) ? "accepted" : name_of(c.reason));
}

INSTANTIATE_TEST_SUITE_P(Codec, ParseReject, ::testing::ValuesIn(reject_cases()),
                         [](const ::testing::TestParamInfo<RejectCase>& p) { return p.param.name; });

// The IP and TCP layer reasons of drop_reason.h run from kEmpty to kTcpBadPort; each needs at
// least one case above, so that a new codec reason cannot land untested.
TEST(ParseRejectCoverage, EveryCodecReasonHasACase) {
  std::set<DropReason> covered;
  for (const auto& c : reject_cases()) covered.insert(c.reason);
  for (auto r = static_cast<size_t>(DropReason::kEmpty); r <= static_cast<size_t>(DropReason::kTcpBadPort); ++r) {
    EXPECT_TRUE(covered.count(static_cast<DropReason>(r))) << to_string(static_cast<DropReason>(r));
  }
}

}  // namespace
}  // namespace phantasm::wire::testing
