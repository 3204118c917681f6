#include "harness/traffic/format/hash64.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <set>
#include <vector>

namespace phantasm::traffic {
namespace {

std::vector<uint8_t> counting_bytes(size_t n) {
  std::vector<uint8_t> bytes(n);
  for (size_t i = 0; i < n; ++i) bytes[i] = static_cast<uint8_t>(i * 7 + 3);
  return bytes;
}

TEST(Hash64, StreamingInWholeWordsEqualsOneShot) {
  const auto bytes = counting_bytes(203);
  for (size_t split = 0; split <= bytes.size(); split += 8) {
    Hash64 hash(bytes.size());
    hash.update({bytes.data(), split});
    hash.update({bytes.data() + split, bytes.size() - split});
    EXPECT_EQ(hash.finish(), hash64(bytes)) << "split at " << split;
  }
}

TEST(Hash64, TrailingZerosChangeTheHash) {
  std::vector<uint8_t> bytes = counting_bytes(13);
  const uint64_t short_hash = hash64(bytes);
  bytes.push_back(0);
  EXPECT_NE(hash64(bytes), short_hash);
}

TEST(Hash64, EverySingleBitFlipChangesTheHash) {
  // The guarantee the datagram checksum relies on, checked exhaustively on a few lengths that
  // exercise whole words, a partial last word and the empty tail.
  for (size_t length : {1u, 7u, 8u, 9u, 64u, 71u}) {
    std::vector<uint8_t> bytes = counting_bytes(length);
    const uint64_t original = hash64(bytes);
    for (size_t at = 0; at < length; ++at) {
      for (int bit = 0; bit < 8; ++bit) {
        bytes[at] ^= static_cast<uint8_t>(1 << bit);
        EXPECT_NE(hash64(bytes), original) << "length " << length << " byte " << at << " bit " << bit;
        bytes[at] ^= static_cast<uint8_t>(1 << bit);
      }
    }
  }
}

TEST(Hash64, NearbyInputsSpreadAcrossTheOutput) {
  // Sequential counters must not collide, and their hashes must differ in their low bits too.
  std::set<uint64_t> hashes;
  std::set<uint64_t> low_bytes;
  for (uint64_t i = 0; i < 4096; ++i) {
    uint8_t word[8];
    for (int b = 0; b < 8; ++b) word[b] = static_cast<uint8_t>(i >> (8 * b));
    const uint64_t h = hash64(word);
    hashes.insert(h);
    low_bytes.insert(h & 0xFF);
  }
  EXPECT_EQ(hashes.size(), 4096u);
  EXPECT_EQ(low_bytes.size(), 256u);
}

}  // namespace
}  // namespace phantasm::traffic
