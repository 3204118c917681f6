// Bad input gives one clear message that points at the line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "harness/scenario/parse.h"
#include "harness/scenario/scenario_error.h"

namespace phantasm::scenario {
namespace {

using ::testing::HasSubstr;

std::string error_of(const std::string& yaml) {
  try {
    parse_scenario(yaml, "bad.yaml");
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "no error";
}

const std::string kHead = "name: bad\nsummary: broken on purpose\n";
const std::string kTail = "traffic: [{flows: 1}]\nexpect: {verdict: pass}\n";

TEST(ParseErrors, UnknownKeyNamesTheLineAndTheAllowedKeys) {
  const std::string e = error_of(kHead + "middleboxes:\n  - name: fw\n    firewal: {profile: strict}\n" + kTail);
  EXPECT_THAT(e, HasSubstr("bad.yaml:5:5: middlebox: unknown setting 'firewal'")) << e;
  EXPECT_THAT(e, HasSubstr("firewall")) << e;
}

TEST(ParseErrors, BadValuesSayWhatWasExpected) {
  EXPECT_THAT(error_of(kHead + "traffic: [{flows: 1, duration: 10}]\nexpect: {verdict: pass}\n"), HasSubstr("bad.yaml:3:32: traffic.duration: expected a duration"));
  EXPECT_THAT(error_of(kHead + "family: ipv5\n" + kTail), HasSubstr("bad.yaml:3:9: family: 'ipv5' is not one of: ipv4, ipv6"));
  EXPECT_THAT(error_of(kHead + "traffic: [{rate: fast}]\nexpect: {verdict: pass}\n"), HasSubstr("traffic.rate"));
  EXPECT_THAT(error_of(kHead + "traffic: [{flows: 0}]\nexpect: {verdict: pass}\n"), HasSubstr("outside 1..20000"));
  EXPECT_THAT(error_of(kHead + "middleboxes: [{name: x, impairments: {loss: 150%}}]\n" + kTail), HasSubstr("impairments.loss"));
}

TEST(ParseErrors, MissingRequiredSections) {
  EXPECT_THAT(error_of("name: x\nsummary: y\nexpect: {verdict: pass}\n"), HasSubstr("'traffic' is required"));
  EXPECT_THAT(error_of("name: x\nsummary: y\n" "traffic: [{flows: 1}]\n"), HasSubstr("'expect' is required"));
  EXPECT_THAT(error_of(""), HasSubstr("bad.yaml: empty scenario file"));
  EXPECT_THAT(error_of(kHead + "traffic: [{flows: 1}]\nexpect: {verdict: fail}\n"), HasSubstr("because"));
}

TEST(ParseErrors, YamlSyntaxErrorsKeepTheirLocation) {
  const std::string e = error_of(kHead + "traffic: [{flows: 1}\n");
  EXPECT_EQ(e.rfind("bad.yaml:", 0), 0u) << e;
  EXPECT_THAT(e, HasSubstr(":4:")) << e;
}

TEST(ParseErrors, EventsNeedExactlyOneKindAndAnExistingTarget) {
  EXPECT_THAT(error_of(kHead + "events: [{at: 1s}]\n" + kTail), HasSubstr("exactly one of"));
  EXPECT_THAT(error_of(kHead + "events: [{at: 1s, flush_conntrack: fw, idle: 2s}]\n" + kTail), HasSubstr("exactly one of"));
  EXPECT_THAT(error_of(kHead + "events: [{at: 1s, flush_conntrack: nowhere}]\n" + kTail), HasSubstr("bad.yaml:3:10: flush_conntrack: no middlebox or host named 'nowhere'"));
  EXPECT_THAT(error_of(kHead + "middleboxes: [{name: fw}]\nevents: [{at: 1s, rebind_nat: {in: fw, ports: 100}}]\n" + kTail), HasSubstr("not a middlebox with a nat"));
  EXPECT_THAT(error_of(kHead + "events: [{at: 99s, idle: 1s}]\n" + kTail), HasSubstr("after the traffic ends"));
}

TEST(ParseErrors, ValidationReportsEveryProblem) {
  const std::string e = error_of(kHead +
                                 "middleboxes:\n"
                                 "  - {name: Fw, isn_rewrite: random, nat: masquerade}\n"
                                 "  - {name: x, strip_options: {kinds: [253]}}\n" + kTail);
  EXPECT_THAT(e, HasSubstr("middlebox name 'Fw'")) << e;
  EXPECT_THAT(e, HasSubstr("isn_rewrite cannot share a middlebox")) << e;
  EXPECT_THAT(e, HasSubstr("nft cannot name option kind 253; add 'via: relay'")) << e;
}

TEST(ParseErrors, ChecksAreKnownQuantitiesWithBounds) {
  EXPECT_THAT(error_of(kHead + "traffic: [{flows: 1}]\nexpect: {verdict: pass, checks: {speed: 1}}\n"), HasSubstr("unknown quantity 'speed'"));
  EXPECT_THAT(error_of(kHead + "traffic: [{flows: 1}]\nexpect: {verdict: pass, checks: {invalid: {max: 0}}}\n"), HasSubstr("where"));
  EXPECT_THAT(error_of(kHead + "traffic: [{flows: 1}]\nexpect: {verdict: pass, checks: {lost: {min: 5, max: 1}}}\n"), HasSubstr("min is above max"));
  EXPECT_THAT(error_of(kHead + "traffic: [{flows: 1}]\nexpect: {verdict: pass, checks: {recovery: {max: 5s}}}\n"), HasSubstr("no disruptive event"));
}

}  // namespace
}  // namespace phantasm::scenario
