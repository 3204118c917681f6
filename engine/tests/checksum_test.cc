#include "engine/wire/checksum.h"

#include <gtest/gtest.h>

#include <vector>

#include "engine/core/rng.h"

namespace phantasm::wire {
namespace {

// RFC 1071 written the slow, obvious way: 16-bit big-endian words, 32-bit accumulator.
uint16_t reference_checksum(const std::vector<uint8_t>& data) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < data.size(); i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (data.size() % 2) sum += static_cast<uint32_t>(data.back() << 8);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

TEST(Checksum, Rfc1071Example) {
  // RFC 1071 §3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (checksum 220d).
  const std::vector<uint8_t> data = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(checksum_fold(checksum_add(data)), 0xddf2);
  EXPECT_EQ(internet_checksum(data), 0x220d);
}

TEST(Checksum, MatchesReferenceForEveryLengthAndAlignment) {
  Rng rng(1);
  std::vector<uint8_t> backing(2100);
  for (auto& b : backing) b = static_cast<uint8_t>(rng.next_u32());
  for (size_t offset = 0; offset < 9; ++offset) {
    for (size_t len = 0; len <= 2048; len += (len < 80 ? 1 : 37)) {
      std::vector<uint8_t> slice(backing.begin() + static_cast<long>(offset),
                                 backing.begin() + static_cast<long>(offset + len));
      ASSERT_EQ(internet_checksum({backing.data() + offset, len}), reference_checksum(slice))
          << "offset " << offset << " len " << len;
    }
  }
}

TEST(Checksum, AllOnesDataDoesNotOverflow) {
  std::vector<uint8_t> data(65535, 0xFF);
  EXPECT_EQ(internet_checksum(data), reference_checksum(data));
}

TEST(Checksum, PartialSumsCombineAtEvenBoundaries) {
  Rng rng(2);
  std::vector<uint8_t> data(1500);
  for (auto& b : data) b = static_cast<uint8_t>(rng.next_u32());
  const uint64_t split = checksum_add(std::span(data).subspan(600), checksum_add(std::span(data).first(600)));
  EXPECT_EQ(checksum_finish(split), reference_checksum(data));
}

TEST(Checksum, IncrementalUpdateMatchesRecomputation) {
  Rng rng(3);
  for (int trial = 0; trial < 2000; ++trial) {
    std::vector<uint8_t> data(40);
    for (auto& b : data) b = static_cast<uint8_t>(rng.next_u32());
    const uint16_t before = reference_checksum(data);
    const size_t at = 2 * rng.uniform(0, 17);
    const uint32_t old_value = static_cast<uint32_t>(data[at] << 24 | data[at + 1] << 16 | data[at + 2] << 8 | data[at + 3]);
    const uint32_t new_value = trial % 7 == 0 ? 0 : rng.next_u32();
    data[at] = static_cast<uint8_t>(new_value >> 24);
    data[at + 1] = static_cast<uint8_t>(new_value >> 16);
    data[at + 2] = static_cast<uint8_t>(new_value >> 8);
    data[at + 3] = static_cast<uint8_t>(new_value);
    const uint16_t updated = checksum_update32(before, old_value, new_value);
    // RFC 1624: the incremental form may yield 0xFFFF where recomputation yields 0x0000 (both
    // are one's-complement zero); the verify sum is what receivers check.
    std::vector<uint8_t> with_field = data;
    with_field.push_back(static_cast<uint8_t>(updated >> 8));
    with_field.push_back(static_cast<uint8_t>(updated));
    EXPECT_EQ(reference_checksum(with_field), 0) << "trial " << trial;
  }
}

TEST(Checksum, PseudoHeaderV4) {
  const auto src = *IpAddress::parse("192.168.200.2");
  const auto dst = *IpAddress::parse("10.0.0.1");
  // src, dst, 0x00 0x06, length 0x0028
  const std::vector<uint8_t> explicit_bytes = {192, 168, 200, 2, 10, 0, 0, 1, 0, 6, 0, 40};
  EXPECT_EQ(checksum_fold(pseudo_header_sum(src, dst, 6, 40)), checksum_fold(checksum_add(explicit_bytes)));
}

TEST(Checksum, PseudoHeaderV6) {
  const auto src = *IpAddress::parse("fcc8::2");
  const auto dst = *IpAddress::parse("2001:db8::1");
  std::vector<uint8_t> explicit_bytes;
  for (auto b : src.bytes()) explicit_bytes.push_back(b);
  for (auto b : dst.bytes()) explicit_bytes.push_back(b);
  for (uint8_t b : {0, 1, 0x23, 0x45, 0, 0, 0, 6}) explicit_bytes.push_back(b);  // length 0x12345
  EXPECT_EQ(checksum_fold(pseudo_header_sum(src, dst, 6, 0x12345)), checksum_fold(checksum_add(explicit_bytes)));
}

}  // namespace
}  // namespace phantasm::wire
