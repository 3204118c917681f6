#include <gtest/gtest.h>

#include "harness/middlebox/from_scenario.h"
#include "harness/middlebox/impairments.h"
#include "harness/middlebox/isn_rewriter.h"
#include "harness/middlebox/rst_injector.h"
#include "harness/middlebox/tests/test_packets.h"
#include "harness/scenario/parse.h"

namespace phantasm::middlebox {
namespace {
using namespace test;

TEST(Pipeline, ReplyTravelsTheModelsInReverseOrder) {
  // Two rewriters in a row: the client's numbers shift by both, and the reply undoes both.
  Pipeline p;
  p.add(std::make_unique<IsnRewriter>(100, 10, 1));
  p.add(std::make_unique<IsnRewriter>(1000, 20, 1));
  Outputs out;
  p.on_packet(kUp, syn(0), Time::zero(), out);
  EXPECT_EQ(parsed(out[0].bytes).seq, 1100u);
  out.clear();
  p.on_packet(kDown, syn_ack(0, 1101), Time::zero(), out);
  EXPECT_EQ(parsed(out[0].bytes).seq, 30u);
  EXPECT_EQ(parsed(out[0].bytes).ack, 1u);
}

TEST(Pipeline, InjectedResetsCrossTheRemainingModelsAndDelaysAddUp) {
  Pipeline p;
  p.add(std::make_unique<RstInjector>(RstInjectorConfig{.in_window = true, .towards = RstTarget::kServer}, 1));
  p.add(std::make_unique<Delay>(std::chrono::milliseconds(3), Duration{0}, 1));
  Outputs out;
  p.on_packet(kUp, syn(0), Time::zero(), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].delay, std::chrono::milliseconds(3));
  out.clear();
  p.trigger(Time::zero(), out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].injected);
  EXPECT_EQ(out[0].delay, std::chrono::milliseconds(3));  // the delay model came after it
}

TEST(Pipeline, BuiltFromAScenarioBoxInPathOrder) {
  const auto s = scenario::parse_scenario(R"(
name: t
summary: t
middleboxes:
  - name: box
    isn_rewrite: random
    strip_options: {kinds: [window_scale], via: relay}
    mss_clamp: 1200
    normaliser: {}
    dpi: {allow: ["GET "]}
    rst_injection: {mode: blind}
    impairments: {loss: 1%, delay: 1ms, duplicate: 1%}
traffic: [{flows: 1}]
expect: {verdict: pass}
)", "t.yaml");
  const auto relay = build_pipeline(s.middleboxes[0], 1, Hosting::kRelayOnly);
  std::vector<std::string> names;
  for (const auto& m : relay->models()) names.emplace_back(m->name());
  EXPECT_EQ(names, (std::vector<std::string>{"isn_rewrite", "strip_options", "normaliser", "dpi", "rst_injection",
                                             "loss", "duplicate", "delay"}));
  // The simulation also gets the MSS clamp, which the kernel does in netns.
  EXPECT_EQ(build_pipeline(s.middleboxes[0], 1, Hosting::kEverything)->models().size(), 9u);
}

}  // namespace
}  // namespace phantasm::middlebox
