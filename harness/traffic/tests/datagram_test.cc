#include "harness/traffic/format/datagram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "harness/traffic/format/hash64.h"
#include "harness/traffic/format/pattern.h"

namespace phantasm::traffic {
namespace {

std::vector<uint8_t> make_datagram(size_t size, uint64_t seq = 42, uint32_t flow = 3) {
  std::vector<uint8_t> bytes(size);
  DatagramHeader header;
  header.session = 0xC0FFEE;
  header.flow = flow;
  header.seq = seq;
  header.send_ns = 123456789;
  write_datagram(header, bytes);
  return bytes;
}

TEST(Datagram, RoundTripsEveryHeaderField) {
  for (size_t size : {kMinDatagramSize, size_t{41}, size_t{1400}, kMaxDatagramSize}) {
    const auto bytes = make_datagram(size, 0xFFFFFFFF00000001ULL, 0xFFFFFFFF);
    const Decoded decoded = decode_datagram(bytes);
    ASSERT_TRUE(decoded.ok) << "size " << size << ": " << defect_name(decoded.defect);
    EXPECT_EQ(decoded.header.kind, DatagramKind::data);
    EXPECT_EQ(decoded.header.session, 0xC0FFEEu);
    EXPECT_EQ(decoded.header.flow, 0xFFFFFFFFu);
    EXPECT_EQ(decoded.header.seq, 0xFFFFFFFF00000001ULL);
    EXPECT_EQ(decoded.header.send_ns, 123456789u);
    EXPECT_EQ(decoded.size, size);
  }
}

TEST(Datagram, HeaderIsBigEndianWithTheDocumentedLayout) {
  const auto bytes = make_datagram(48, 0x0102030405060708ULL, 0x0A0B0C0D);
  EXPECT_EQ((std::vector<uint8_t>(bytes.begin(), bytes.begin() + 24)),
            (std::vector<uint8_t>{'P', 'T', 'G', '1', 1, 0, 0, 8,                  //
                                  0x00, 0xC0, 0xFF, 0xEE, 0x0A, 0x0B, 0x0C, 0x0D,  //
                                  1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(Datagram, EndOfFlowCarriesTheSentCount) {
  std::vector<uint8_t> bytes(kMinDatagramSize);
  write_datagram({DatagramKind::end_of_flow, 1, 2, 5000, 0}, bytes);
  const Decoded decoded = decode_datagram(bytes);
  ASSERT_TRUE(decoded.ok);
  EXPECT_EQ(decoded.header.kind, DatagramKind::end_of_flow);
  EXPECT_EQ(decoded.header.seq, 5000u);
}

TEST(Datagram, AnySingleByteChangeAnywhereIsDetected) {
  for (size_t size : {size_t{40}, size_t{45}, size_t{200}}) {
    auto bytes = make_datagram(size);
    for (size_t at = 0; at < size; ++at) {
      for (uint8_t flip : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xFF}}) {
        bytes[at] ^= flip;
        EXPECT_FALSE(decode_datagram(bytes).ok) << "size " << size << " byte " << at;
        bytes[at] ^= flip;
      }
    }
    EXPECT_TRUE(decode_datagram(bytes).ok);
  }
}

TEST(Datagram, EachCheckReportsItsOwnDefect) {
  const auto good = make_datagram(100);

  EXPECT_EQ(decode_datagram({good.data(), kHeaderSize - 1}).defect, Defect::too_short);
  EXPECT_EQ(decode_datagram({}).defect, Defect::too_short);

  auto bad_magic = good;
  bad_magic[0] = 'X';
  EXPECT_EQ(decode_datagram(bad_magic).defect, Defect::bad_magic);

  auto bad_kind = good;
  bad_kind[4] = 4;
  EXPECT_EQ(decode_datagram(bad_kind).defect, Defect::bad_header);

  EXPECT_EQ(decode_datagram({good.data(), good.size() - 1}).defect, Defect::bad_length);
  auto padded = good;
  padded.push_back(0);
  EXPECT_EQ(decode_datagram(padded).defect, Defect::bad_length);

  auto payload_hit = good;
  payload_hit[70] ^= 0x10;
  EXPECT_EQ(decode_datagram(payload_hit).defect, Defect::bad_checksum);
}

// Recomputes the checksum field the way the format defines it (Hash64 of the datagram with the
// field zeroed), as a middlebox that rewrites payloads carefully would.
void reseal(std::vector<uint8_t>& bytes) {
  std::fill(bytes.begin() + 32, bytes.begin() + 40, uint8_t{0});
  const uint64_t sum = hash64(bytes);
  for (int i = 0; i < 8; ++i) bytes[32 + static_cast<size_t>(i)] = static_cast<uint8_t>(sum >> (56 - 8 * i));
}

TEST(Datagram, ResealingAnUnchangedDatagramKeepsItValid) {
  auto bytes = make_datagram(120);
  reseal(bytes);
  EXPECT_TRUE(decode_datagram(bytes).ok);
}

TEST(Datagram, PatternIsCheckedEvenWhenTheChecksumMatches) {
  // The header names seq 7, the payload is seq 8's, and the checksum was made to match.
  auto seven = make_datagram(120, 7);
  const auto eight = make_datagram(120, 8);
  std::copy(eight.begin() + kHeaderSize, eight.end(), seven.begin() + kHeaderSize);
  reseal(seven);
  EXPECT_EQ(decode_datagram(seven).defect, Defect::bad_pattern);
}

TEST(Pattern, DependsOnSessionFlowAndSequence) {
  std::vector<uint8_t> a(64), b(64);
  fill_pattern({1, 2, 3}, a);
  for (PatternKey other : {PatternKey{9, 2, 3}, PatternKey{1, 9, 3}, PatternKey{1, 2, 9}}) {
    fill_pattern(other, b);
    EXPECT_NE(a, b);
  }
  fill_pattern({1, 2, 3}, b);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace phantasm::traffic
