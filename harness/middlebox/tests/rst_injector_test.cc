#include "harness/middlebox/rst_injector.h"

#include <gtest/gtest.h>

#include "harness/middlebox/tests/test_packets.h"

namespace phantasm::middlebox {
namespace {
using namespace test;
namespace flag = wire::tcp::flag;

// A connection after the handshake and some data each way: the client's next seq is 1 + 5,
// the server's 1001 + 3.
void establish(RstInjector& r) {
  run(r, kUp, syn(0));
  run(r, kDown, syn_ack(1000, 1));
  run(r, kUp, data(1, 1001, "hello"));
  run(r, kDown, data(1001, 6, "abc", false));
}

TEST(RstInjector, InWindowResetsCarryTheExactExpectedSequence) {
  RstInjector r({.in_window = true, .towards = RstTarget::kBoth}, 1);
  establish(r);
  Outputs out;
  r.trigger(Time::zero(), out);
  ASSERT_EQ(out.size(), 2u);
  for (const Output& o : out) EXPECT_TRUE(o.injected);
  const auto to_server = parsed(out[0].bytes);
  EXPECT_EQ(out[0].direction, kUp);
  EXPECT_EQ(to_server.flags, flag::kRst);
  EXPECT_EQ(to_server.src, kClient.ip);
  EXPECT_EQ(to_server.dst_port, kServer.port);
  EXPECT_EQ(to_server.seq, 6u);
  const auto to_client = parsed(out[1].bytes);
  EXPECT_EQ(out[1].direction, kDown);
  EXPECT_EQ(to_client.src, kServer.ip);
  EXPECT_EQ(to_client.seq, 1004u);
}

TEST(RstInjector, BlindResetsGuessTheSequence) {
  RstInjector r({.in_window = false, .towards = RstTarget::kServer}, 1);
  establish(r);
  Outputs out;
  r.trigger(Time::zero(), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(parsed(out[0].bytes).seq, 6u);
}

TEST(RstInjector, PeriodicInjectionFollowsTheClock) {
  RstInjector r({.in_window = true, .towards = RstTarget::kClient, .every = std::chrono::seconds(5)}, 1);
  establish(r);
  EXPECT_EQ(r.next_deadline(), Time::zero() + std::chrono::seconds(5));
  Outputs out;
  r.on_timer(Time::zero() + std::chrono::seconds(5), out);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(r.next_deadline(), Time::zero() + std::chrono::seconds(10));
}

TEST(RstInjector, PassesTrafficUnchanged) {
  RstInjector r({}, 1);
  const auto d = data(1, 1, "x");
  auto out = run(r, kUp, d);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].bytes, d);
  EXPECT_FALSE(out[0].injected);
}

}  // namespace
}  // namespace phantasm::middlebox
