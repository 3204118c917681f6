#include "harness/scenario/expectation.h"

#include <gtest/gtest.h>

namespace phantasm::scenario {
namespace {

Expectation expecting(Verdict v) {
  Expectation e;
  e.verdict = v;
  e.checks.push_back(Check{"delivered", 0.99, std::nullopt, 0.01, {}, {}});
  e.checks.push_back(Check{"invalid", std::nullopt, 0.0, std::nullopt, {"fw", "client"}, {}});
  add_implicit_checks(e);
  return e;
}

Measurements good() {
  Measurements m;
  m.set("delivered", 0.995);
  m.set("invalid", "fw", 0);
  m.set("invalid", "client", 0);
  m.set("corrupted", 0);
  m.set("leaked", 0);
  m.set("malformed", 0);
  return m;
}

TEST(Expectation, AllChecksHoldIsAPass) {
  const Judgement j = judge(expecting(Verdict::kPass), good());
  EXPECT_EQ(j.observed, Verdict::kPass);
  EXPECT_TRUE(j.as_expected);
  EXPECT_EQ(j.results.size(), 5u);
}

TEST(Expectation, PerNamespaceQuantitiesAreSummedOverWhere) {
  Measurements m = good();
  m.set("invalid", "client", 3);
  const Judgement j = judge(expecting(Verdict::kPass), m);
  EXPECT_EQ(j.observed, Verdict::kFail);
  EXPECT_EQ(*j.results[1].value, 3);
  EXPECT_EQ(j.results[1].describe(), "invalid@fw,client 3 (max 0): FAILED");
}

TEST(Expectation, UnmeasuredQuantityFails) {
  Measurements m = good();
  Measurements without;
  without.set("delivered", 1.0);
  EXPECT_EQ(judge(expecting(Verdict::kPass), without).observed, Verdict::kFail);
}

TEST(Expectation, FailingChecksAreIncompatibleWhenTheScenarioSaysSo) {
  Measurements m = good();
  m.set("delivered", 0.2);
  const Judgement j = judge(expecting(Verdict::kIncompatible), m);
  EXPECT_EQ(j.observed, Verdict::kIncompatible);
  EXPECT_TRUE(j.as_expected);
  // And a pass where incompatibility was expected is reported as the surprise it is.
  const Judgement k = judge(expecting(Verdict::kIncompatible), good());
  EXPECT_EQ(k.observed, Verdict::kPass);
  EXPECT_FALSE(k.as_expected);
}

TEST(Expectation, RunsAgreeWithinTolerance) {
  const Expectation e = expecting(Verdict::kPass);
  Measurements a = good();
  Measurements b = good();
  b.set("delivered", 0.999);
  EXPECT_TRUE(disagreements(e, a, b).empty());
  b.set("delivered", 1.0);
  a.set("delivered", 0.9905);
  EXPECT_TRUE(disagreements(e, a, b).empty());
  a.set("delivered", 0.95);  // a fails, b passes, and they differ by 5 %
  EXPECT_EQ(disagreements(e, a, b).size(), 2u);
}

}  // namespace
}  // namespace phantasm::scenario
