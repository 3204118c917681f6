#include "harness/middlebox/mss_clamp.h"

#include <gtest/gtest.h>

#include "harness/middlebox/packet_edit.h"
#include "harness/middlebox/tests/test_packets.h"

namespace phantasm::middlebox {
namespace {
using namespace test;

TEST(MssClamp, InsertsTheRfc879DefaultIntoASynWithoutMss) {
  MssClamp c(1200);
  const auto in = syn();
  auto out = run(c, kUp, in);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].bytes.size(), in.size() + 4);
  const auto seg = parsed(out[0].bytes);  // lengths and checksums recomputed
  ASSERT_TRUE(seg.options.mss);
  EXPECT_EQ(*seg.options.mss, 536);  // IPv4: min(1200, 536), as Linux TCPMSS does
  EXPECT_EQ(seg.options.window_scale, 14);
  EXPECT_EQ(c.inserted(), 1u);
}

TEST(MssClamp, LowersALargerMssInPlace) {
  MssClamp c(1200);
  auto once = run(c, kUp, syn());
  MssClamp lower(500);
  auto out = run(lower, kUp, once[0].bytes);
  EXPECT_EQ(out[0].bytes.size(), once[0].bytes.size());
  EXPECT_EQ(*parsed(out[0].bytes).options.mss, 500);
  EXPECT_EQ(lower.lowered(), 1u);
  // Already below the limit: untouched.
  MssClamp higher(1400);
  EXPECT_EQ(run(higher, kUp, out[0].bytes)[0].bytes, out[0].bytes);
}

TEST(MssClamp, LeavesDataAndSynsWithPayloadAlone) {
  MssClamp c(1200);
  const auto d = data(1, 1, "abc");
  EXPECT_EQ(run(c, kUp, d)[0].bytes, d);
  const auto syn_with_data = packet({.flags = wire::tcp::flag::kSyn, .payload = "x"});
  EXPECT_EQ(run(c, kUp, syn_with_data)[0].bytes, syn_with_data);
}

TEST(MssClamp, Ipv6InsertsUpTo1220) {
  const SocketAddress c6{*IpAddress::parse("fd90:1::2"), 40000};
  const SocketAddress s6{*IpAddress::parse("fd90:2::2"), 4567};
  MssClamp c(1400);
  auto out = run(c, kUp, packet({.from = c6, .to = s6, .flags = wire::tcp::flag::kSyn}));
  EXPECT_EQ(*parsed(out[0].bytes).options.mss, 1220);
}

}  // namespace
}  // namespace phantasm::middlebox
