// emit/parse as a pair: round trips, truncation at every length, emit's errors and the
// checksum-offload mode.
#include "engine/wire/packet.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

#include "engine/core/rng.h"
#include "engine/tests/golden_packets.h"
#include "engine/tests/wire_test_util.h"

namespace phantasm::wire::testing {
namespace {

constexpr uint8_t kValidFlags[] = {
    tcp::flag::kSyn, tcp::flag::kSyn | tcp::flag::kAck, tcp::flag::kAck, tcp::flag::kAck | tcp::flag::kPsh,
    tcp::flag::kRst, tcp::flag::kRst | tcp::flag::kAck, tcp::flag::kFin | tcp::flag::kAck,
    tcp::flag::kSyn | tcp::flag::kEce | tcp::flag::kCwr,
};

// A unicast address the parser accepts: never 0, multicast or broadcast.
IpAddress random_address(Rng& rng, bool v4) {
  if (v4) {
    return IpAddress::v4({static_cast<uint8_t>(rng.uniform(1, 223)), static_cast<uint8_t>(rng.next_u32()),
                          static_cast<uint8_t>(rng.next_u32()), static_cast<uint8_t>(rng.next_u32())});
  }
  std::array<uint8_t, 16> b{};
  for (auto& x : b) x = static_cast<uint8_t>(rng.next_u32());
  b[0] = static_cast<uint8_t>(rng.uniform(1, 0xFE));
  return IpAddress::v6(b);
}

TEST(PacketRoundTrip, RandomHeadersAndPayloadsComeBackExactly) {
  Rng rng(20240611);
  for (int i = 0; i < 3000; ++i) {
    const bool v4 = rng.chance(0.5);
    SegmentHeader h;
    h.src = random_address(rng, v4);
    h.dst = random_address(rng, v4);
    h.src_port = static_cast<uint16_t>(rng.uniform(1, 0xFFFF));
    h.dst_port = static_cast<uint16_t>(rng.uniform(1, 0xFFFF));
    h.seq = rng.next_u32();
    h.ack = rng.next_u32();
    h.flags = kValidFlags[rng.uniform(0, std::size(kValidFlags) - 1)];
    h.window = static_cast<uint16_t>(rng.next_u32());
    if (rng.chance(0.3)) h.window_scale = static_cast<uint8_t>(rng.uniform(0, 14));
    if (rng.chance(0.2)) {
      h.phantasm = PhantasmHello{static_cast<uint8_t>(rng.next_u32()), static_cast<uint8_t>(rng.next_u32()),
                                 rng.next_u64() & kSessionMask};
    }
    const size_t payload_len = rng.chance(0.2) ? 0 : rng.uniform(1, 1500);
    const size_t offset = rng.uniform(header_length(h), kHeadroom + 16);
    std::vector<uint8_t> buffer(offset + payload_len + rng.uniform(0, 8));
    for (auto& b : buffer) b = static_cast<uint8_t>(rng.next_u32());
    const std::vector<uint8_t> payload(buffer.begin() + static_cast<long>(offset),
                                       buffer.begin() + static_cast<long>(offset + payload_len));

    auto packet = emit_in_front(buffer, offset, payload_len, h);
    ASSERT_TRUE(packet) << to_string(packet.error());
    ASSERT_EQ(packet->data(), buffer.data() + offset - header_length(h));
    ASSERT_EQ(packet->size(), header_length(h) + payload_len);
    ASSERT_EQ(naive_check_packet(*packet), "");

    auto seg = parse_packet(*packet, ChecksumPolicy::kVerify);
    ASSERT_TRUE(seg) << to_string(seg.error()) << " at iteration " << i;
    EXPECT_EQ(seg->version, h.src.version());
    EXPECT_EQ(seg->src, h.src);
    EXPECT_EQ(seg->dst, h.dst);
    EXPECT_EQ(seg->src_port, h.src_port);
    EXPECT_EQ(seg->dst_port, h.dst_port);
    EXPECT_EQ(seg->seq, h.seq);
    EXPECT_EQ(seg->ack, h.ack);
    EXPECT_EQ(seg->flags, h.flags);
    EXPECT_EQ(seg->window, h.window);
    EXPECT_EQ(seg->options.window_scale, h.window_scale);
    EXPECT_EQ(seg->options.phantasm, h.phantasm);
    // Zero copy: the payload view is the very bytes the host put there.
    EXPECT_EQ(seg->payload.data(), buffer.data() + offset);
    EXPECT_EQ(seg->payload.size(), payload_len);
    EXPECT_TRUE(std::equal(seg->payload.begin(), seg->payload.end(), payload.begin(), payload.end()));
    EXPECT_EQ(seg->receiver_tuple(), (FourTuple{{h.dst, h.dst_port}, {h.src, h.src_port}}));
    if (HasFailure()) return;
  }
}

TEST(PacketRoundTrip, EmitTouchesOnlyThePacket) {
  for (const auto& g : golden_packets()) {
    SCOPED_TRACE(g.name);
    std::vector<uint8_t> buffer(kHeadroom + g.payload.size() + 16, 0xEE);
    std::copy(g.payload.begin(), g.payload.end(), buffer.begin() + kHeadroom);
    auto packet = emit_in_front(buffer, kHeadroom, g.payload.size(), g.header);
    ASSERT_TRUE(packet);
    const size_t begin = static_cast<size_t>(packet->data() - buffer.data());
    for (size_t i = 0; i < begin; ++i) ASSERT_EQ(buffer[i], 0xEE) << "headroom byte " << i;
    for (size_t i = kHeadroom + g.payload.size(); i < buffer.size(); ++i) ASSERT_EQ(buffer[i], 0xEE) << i;
  }
}

// Every prefix of a valid packet is refused: the IP length field then claims more than there
// is, so the reason is the IP layer's truncation, never a crash or a misread.
TEST(PacketTruncation, EveryPrefixIsRejectedAtTheIpLayer) {
  for (const auto& g : golden_packets()) {
    SCOPED_TRACE(g.name);
    const DropReason expected = g.header.src.is_v4() ? DropReason::kIpv4Truncated : DropReason::kIpv6Truncated;
    for (size_t n = 0; n < g.bytes.size(); ++n) {
      // A fresh allocation of exactly n bytes, so that a sanitizer sees any read past the end.
      const std::vector<uint8_t> prefix(g.bytes.begin(), g.bytes.begin() + static_cast<long>(n));
      for (auto policy : {ChecksumPolicy::kVerify, ChecksumPolicy::kTrust}) {
        auto seg = parse_packet(prefix, policy);
        ASSERT_FALSE(seg) << "prefix of " << n << " bytes accepted";
        EXPECT_EQ(seg.error(), n == 0 ? DropReason::kEmpty : expected) << "prefix of " << n << " bytes";
      }
    }
  }
}

// The same cuts, but with the IP length rewritten to match: the IP layer is consistent and the
// TCP layer must notice that its header (or data offset) is cut short.
TEST(PacketTruncation, ConsistentIpLengthExposesTcpTruncation) {
  for (const auto& g : golden_packets()) {
    SCOPED_TRACE(g.name);
    const bool v4 = g.header.src.is_v4();
    const size_t ip_len = v4 ? 20 : 40;
    const size_t doff = header_length(g.header) - ip_len;
    for (size_t n = ip_len; n < g.bytes.size(); ++n) {
      const std::vector<uint8_t> cut = shorten_consistently(g.bytes, n);
      const size_t tcp_len = n - ip_len;
      auto verified = parse_packet(cut, ChecksumPolicy::kVerify);
      auto trusted = parse_packet(cut, ChecksumPolicy::kTrust);
      ASSERT_FALSE(verified) << n;
      if (!v4 && tcp_len == 0) {
        // An IPv6 payload length of 0 only exists for jumbograms (RFC 2675), which we refuse.
        EXPECT_EQ(verified.error(), DropReason::kIpv6Truncated);
        EXPECT_EQ(trusted.error(), DropReason::kIpv6Truncated);
      } else if (tcp_len < doff) {
        EXPECT_EQ(verified.error(), DropReason::kTcpTruncated) << tcp_len;
        EXPECT_EQ(trusted.error(), DropReason::kTcpTruncated) << tcp_len;
      } else {
        // Only the data packet gets here: a shorter payload is still a segment, but not the one
        // the checksum was computed over.
        EXPECT_EQ(verified.error(), DropReason::kTcpBadChecksum);
        ASSERT_TRUE(trusted);
        EXPECT_EQ(trusted->payload.size(), tcp_len - doff);
        EXPECT_EQ(trusted->payload.data(), cut.data() + ip_len + doff);
      }
    }
  }
}

TEST(PacketEmit, NoHeadroomWhenOffsetIsBelowHeaderLength) {
  for (const auto& g : golden_packets()) {
    SCOPED_TRACE(g.name);
    const size_t hlen = header_length(g.header);
    std::vector<uint8_t> buffer(hlen + 100, 0xEE);
    for (size_t offset : {size_t{0}, size_t{1}, hlen - 1}) {
      auto r = emit_in_front(buffer, offset, 10, g.header);
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error(), DropReason::kNoHeadroom) << offset;
    }
    EXPECT_TRUE(std::all_of(buffer.begin(), buffer.end(), [](uint8_t b) { return b == 0xEE; }));
    // Exactly enough headroom is enough, and the packet then starts at the buffer.
    auto exact = emit_in_front(buffer, hlen, 10, g.header);
    ASSERT_TRUE(exact);
    EXPECT_EQ(exact->data(), buffer.data());
  }
}

TEST(PacketEmit, HeaderLengthMatchesFamilyAndOptions) {
  for (const auto& g : golden_packets()) {
    EXPECT_EQ(header_length(g.header), g.bytes.size() - g.payload.size()) << g.name;
  }
}

// The largest packets the length fields can describe: IPv4 total length and IPv6 payload length
// are 16 bits. One byte more must be refused, not wrapped.
TEST(PacketEmit, LengthFieldLimits) {
  for (const auto& g : golden_packets()) {
    SCOPED_TRACE(g.name);
    const bool v4 = g.header.src.is_v4();
    const size_t hlen = header_length(g.header);
    const size_t max_payload = v4 ? 0xFFFF - hlen : 0xFFFF - (hlen - 40);
    std::vector<uint8_t> buffer(kHeadroom + max_payload + 1, 0x5A);

    auto too_big = emit_in_front(buffer, kHeadroom, max_payload + 1, g.header);
    ASSERT_FALSE(too_big);
    EXPECT_EQ(too_big.error(), DropReason::kDatagramTooLarge);

    auto largest = emit_in_front(buffer, kHeadroom, max_payload, g.header);
    ASSERT_TRUE(largest);
    auto seg = parse_packet(*largest, ChecksumPolicy::kVerify);
    ASSERT_TRUE(seg) << to_string(seg.error());
    EXPECT_EQ(seg->payload.size(), max_payload);
  }
}

TEST(PacketEmit, PayloadBeyondBufferIsRefused) {
  const auto g = golden_packets().front();
  std::vector<uint8_t> buffer(kHeadroom + 100);
  for (auto [offset, len] : {std::pair<size_t, size_t>{kHeadroom, 101}, {kHeadroom + 101, 0},
                             {kHeadroom, std::numeric_limits<size_t>::max()},
                             {kHeadroom, std::numeric_limits<size_t>::max() - kHeadroom + 1},
                             {std::numeric_limits<size_t>::max(), 2}}) {
    auto r = emit_in_front(buffer, offset, len, g.header);
    ASSERT_FALSE(r) << offset << " + " << len;
    EXPECT_EQ(r.error(), DropReason::kDatagramTooLarge) << offset << " + " << len;
  }
}

TEST(PacketEmit, MixedAddressFamiliesAreRefused) {
  const FourTuple v4 = client_tuple(IpVersion::kV4);
  const FourTuple v6 = client_tuple(IpVersion::kV6);
  std::vector<uint8_t> buffer(kHeadroom + 10, 0xEE);
  for (const FourTuple& t : {FourTuple{v4.local, v6.remote}, FourTuple{v6.local, v4.remote}}) {
    auto r = emit_in_front(buffer, kHeadroom, 10, phantun::ack(t, 1, 1));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), DropReason::kBadAddress);
    auto bare = emit_bare(buffer, phantun::syn(t, 0));
    ASSERT_FALSE(bare);
    EXPECT_EQ(bare.error(), DropReason::kBadAddress);
  }
  EXPECT_TRUE(std::all_of(buffer.begin(), buffer.end(), [](uint8_t b) { return b == 0xEE; }));
}

// VIRTIO_NET_HDR_F_NEEDS_CSUM: the device finishes the checksum by summing from the TCP header
// on and storing the complement, so the field must hold the folded pseudo-header sum, not
// inverted. Both the value and the completed result are checked against the naive sum.
TEST(PacketEmit, PartialChecksumHoldsFoldedPseudoHeaderSum) {
  for (const auto& g : golden_packets()) {
    SCOPED_TRACE(g.name);
    std::vector<uint8_t> partial = emit_golden(g, ChecksumMode::kPartial);
    ASSERT_EQ(partial.size(), g.bytes.size());
    const size_t ip_len = g.header.src.is_v4() ? 20 : 40;
    const size_t csum_at = ip_len + 16;
    for (size_t i = 0; i < partial.size(); ++i) {
      if (i != csum_at && i != csum_at + 1) {
        ASSERT_EQ(partial[i], g.bytes[i]) << "byte " << i;
      }
    }
    const size_t tcp_len = partial.size() - ip_len;
    const uint16_t pseudo = naive_fold(naive_sum(naive_pseudo_header(g.header.src, g.header.dst, tcp_len)));
    EXPECT_EQ(partial[csum_at] << 8 | partial[csum_at + 1], pseudo);

    const uint16_t completed =
        static_cast<uint16_t>(~naive_fold(naive_sum(std::span<const uint8_t>(partial).subspan(ip_len))));
    partial[csum_at] = static_cast<uint8_t>(completed >> 8);
    partial[csum_at + 1] = static_cast<uint8_t>(completed);
    EXPECT_EQ(partial, std::vector<uint8_t>(g.bytes.begin(), g.bytes.end()));
  }
}

}  // namespace
}  // namespace phantasm::wire::testing
