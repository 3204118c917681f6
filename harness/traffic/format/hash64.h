// The 64-bit datagram checksum: a word-at-a-time multiply-xor hash (our own, not a standard one).
//
// Why not CRC or FNV-1a: FNV works one byte per multiply (too slow for a load generator that
// hashes every datagram on both ends at gigabit rates) and CRC needs tables or intrinsics. This
// hash consumes 8-byte words, spread over four independent lanes (word i goes to lane i mod 4)
// so that four multiplies are in flight at once, and folds the lanes one after another at the
// end. Every lane step is a bijection of the lane for a fixed input word *and* of the input word
// for a fixed lane, and so is each fold step of the result for a fixed lane. So two inputs of
// equal length that differ in exactly one 8-byte word (in particular: in any single byte)
// always hash differently; other corruptions escape with probability about 2^-64.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace phantasm::traffic {

class Hash64 {
 public:
  // `total_length` is mixed in at the end so that inputs differing only in trailing zero bytes
  // (the padding of the last partial word) still hash differently.
  explicit Hash64(uint64_t total_length);

  // Feeds `bytes`. Every call but the last must pass a multiple of 8 bytes, so that word
  // boundaries stay where a single call over the whole input would put them.
  void update(std::span<const uint8_t> bytes);

  uint64_t finish() const;

 private:
  void mix_word(uint64_t word);

  std::array<uint64_t, 4> lanes_;
  uint64_t words_ = 0;  // words consumed so far: the next word's lane is words_ % 4
  uint64_t total_length_;
};

// Hash of one contiguous input.
uint64_t hash64(std::span<const uint8_t> bytes);

}  // namespace phantasm::traffic
