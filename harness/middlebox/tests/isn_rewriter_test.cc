#include "harness/middlebox/isn_rewriter.h"

#include <gtest/gtest.h>

#include "harness/middlebox/tests/test_packets.h"

namespace phantasm::middlebox {
namespace {
using namespace test;

TEST(IsnRewriter, ShiftsEachSidesSequenceAndUnshiftsAcks) {
  IsnRewriter r(1000, 50, 1);
  auto up = run(r, kUp, syn(0));
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(parsed(up[0].bytes).seq, 1000u);
  EXPECT_EQ(parsed(up[0].bytes).ack, 0u);  // a SYN's ack is not a sequence number

  // The server acknowledges the shifted ISN; the client must see its own.
  auto down = run(r, kDown, syn_ack(7, 1001));
  const auto s = parsed(down[0].bytes);
  EXPECT_EQ(s.seq, 57u);
  EXPECT_EQ(s.ack, 1u);

  auto d = run(r, kUp, data(1, 58, "hello"));
  const auto ds = parsed(d[0].bytes);
  EXPECT_EQ(ds.seq, 1001u);
  EXPECT_EQ(ds.ack, 8u);
  EXPECT_EQ(std::string(ds.payload.begin(), ds.payload.end()), "hello");
  EXPECT_EQ(r.counters().rewritten, 3u);
}

TEST(IsnRewriter, WrapsAroundAndDrawsOffsetsFromTheSeed) {
  IsnRewriter r(std::nullopt, std::nullopt, 42);
  IsnRewriter same(std::nullopt, std::nullopt, 42);
  EXPECT_EQ(r.client_offset(), same.client_offset());
  EXPECT_NE(r.client_offset(), 0u);
  auto up = run(r, kUp, data(0xFFFFFFF0u, 0, "x"));
  EXPECT_EQ(parsed(up[0].bytes).seq, 0xFFFFFFF0u + r.client_offset());
}

TEST(IsnRewriter, LeavesNonTcpAlone) {
  IsnRewriter r(1, 1, 1);
  std::vector<uint8_t> udp(28, 0);
  udp[0] = 0x45;
  udp[9] = 17;
  auto out = run(r, kUp, udp);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].bytes, udp);
}

}  // namespace
}  // namespace phantasm::middlebox
