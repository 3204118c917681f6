#include "harness/middlebox/option_stripper.h"

#include <gtest/gtest.h>

#include "harness/middlebox/tests/test_packets.h"

namespace phantasm::middlebox {
namespace {
using namespace test;

TEST(OptionStripper, WindowScaleBecomesNops) {
  OptionStripper s({wire::tcp::option::kWindowScale});
  auto out = run(s, kUp, syn());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].bytes.size(), syn().size());  // same length: NOPs in place
  const auto seg = parsed(out[0].bytes);
  EXPECT_FALSE(seg.options.window_scale);
  EXPECT_EQ(s.options_stripped(), 1u);
}

TEST(OptionStripper, OnlyTheSelectedHandshakeSegment) {
  OptionStripper s({wire::tcp::option::kWindowScale}, StripSelection{.syn = false, .syn_ack = true});
  EXPECT_TRUE(parsed(run(s, kUp, syn())[0].bytes).options.window_scale);
  EXPECT_FALSE(parsed(run(s, kDown, syn_ack(5, 1))[0].bytes).options.window_scale);
}

TEST(OptionStripper, AnyKindIncludingThePhantasmHello) {
  // A SYN carrying the hello (kind 253) after the window scale.
  wire::SegmentHeader h;
  h.src = kClient.ip, h.dst = kServer.ip, h.src_port = kClient.port, h.dst_port = kServer.port;
  h.flags = wire::tcp::flag::kSyn;
  h.window_scale = 14;
  h.phantasm = wire::PhantasmHello{1, 0, 0x123456};
  std::vector<uint8_t> buffer(128);
  const auto p = wire::emit_bare(buffer, h);
  std::vector<uint8_t> bytes(p.value().begin(), p.value().end());
  ASSERT_TRUE(parsed(bytes).options.phantasm);

  OptionStripper s({wire::tcp::option::kExperimental});
  const auto seg = parsed(run(s, kUp, bytes)[0].bytes);
  EXPECT_FALSE(seg.options.phantasm);
  EXPECT_TRUE(seg.options.window_scale);
}

TEST(OptionStripper, DataSegmentsPassUnlessAllSegments) {
  OptionStripper s({wire::tcp::option::kWindowScale});
  auto d = data(1, 1, "abc");
  auto out = run(s, kUp, d);
  EXPECT_EQ(out[0].bytes, d);
  EXPECT_EQ(s.counters().passed, 1u);
}

}  // namespace
}  // namespace phantasm::middlebox
