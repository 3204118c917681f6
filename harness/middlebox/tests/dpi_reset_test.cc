#include "harness/middlebox/dpi_reset.h"

#include <gtest/gtest.h>

#include "harness/middlebox/tests/test_packets.h"

namespace phantasm::middlebox {
namespace {
using namespace test;

TEST(DpiReset, RecognisedFirstPayloadOpensTheConnection) {
  DpiReset d({"GET ", "\x16\x03"});
  run(d, kUp, syn(0));
  EXPECT_EQ(run(d, kUp, data(1, 1, "GET / HTTP/1.1\r\n")).size(), 1u);
  EXPECT_EQ(run(d, kUp, data(17, 1, "\x01\x02 anything after")).size(), 1u);
  EXPECT_EQ(d.connections_allowed(), 1u);
}

TEST(DpiReset, UnknownFirstPayloadIsDroppedAndResetBothWays) {
  DpiReset d({"GET "});
  run(d, kUp, syn(0));
  auto out = run(d, kUp, data(1, 501, "\x01wireguard"));
  ASSERT_EQ(out.size(), 2u);
  const auto to_server = parsed(out[0].bytes);
  EXPECT_EQ(out[0].direction, kUp);
  EXPECT_EQ(to_server.flags, wire::tcp::flag::kRst);
  EXPECT_EQ(to_server.seq, 1u);
  const auto to_client = parsed(out[1].bytes);
  EXPECT_EQ(out[1].direction, kDown);
  EXPECT_EQ(to_client.src, kServer.ip);
  EXPECT_EQ(to_client.seq, 501u);
  // Later data stays blocked; resets are paced.
  EXPECT_EQ(run(d, kUp, data(11, 501, "more"), Time::zero() + std::chrono::milliseconds(10)).size(), 0u);
  EXPECT_EQ(run(d, kUp, data(15, 501, "more"), Time::zero() + std::chrono::milliseconds(200)).size(), 2u);
  EXPECT_EQ(d.connections_blocked(), 1u);
}

TEST(DpiReset, ANewConnectionIsJudgedAfresh) {
  DpiReset d({"GET "});
  run(d, kUp, syn(0));
  run(d, kUp, data(1, 1, "nope"));
  run(d, kUp, syn(0));  // same tuple, new handshake
  EXPECT_EQ(run(d, kUp, data(1, 1, "GET /")).size(), 1u);
}

}  // namespace
}  // namespace phantasm::middlebox
