#include "harness/scenario/parse.h"

#include <gtest/gtest.h>

#include "harness/scenario/scenario_error.h"

namespace phantasm::scenario {
namespace {

constexpr const char* kFull = R"(
name: c05-isn-rewrite
summary: Cisco ASA sequence randomisation in front of a strict firewall
catalogue: C.5
family: ipv6
seed: 7
quick: true
client:
  firewall: {profile: stateful}
middleboxes:
  - name: asa
    isn_rewrite: {client_offset: 0x10000000, server_offset: random}
    impairments: {loss: 1%, delay: 5ms, jitter: 2ms, duplicate: 0.5%}
  - name: fw
    firewall:
      profile: strict
      max_connections: 100
      conntrack: {max_retrans: 5, timeouts: {established: 5m, unacknowledged: 60s}}
    nat: {kind: masquerade, ports: 40000-40100}
    strip_options: {kinds: [window_scale, sack_permitted], on: syn_ack}
    mss_clamp: 1200
    linux:
      nft: "table inet extra { }"
      sysctls: [net.netfilter.nf_conntrack_log_invalid=6]
server: {}
traffic:
  - name: bulk
    flows: 4
    rate: 2kpps
    size: 64-1400
    duration: 20s
  - flows: 1
    direction: up
    start: 5s
    duration: 10s
events:
  - {at: 8s, flush_conntrack: fw}
  - {at: 9s, rebind_nat: {in: fw, ports: 50000-50010}}
  - {at: 10s, idle: 30s}
  - {at: 12s, restart_server: {down: 2s}}
expect:
  verdict: pass
  checks:
    delivered: {min: 95%, tolerance: 1%}
    invalid: {max: 0, where: [fw, client]}
    recovery: {max: 45s, tolerance: 5s}
  foreign: {phantun: fail}
)";

TEST(Parse, ReadsEverySection) {
  const Scenario s = parse_scenario(kFull, "full.yaml");
  EXPECT_EQ(s.name, "c05-isn-rewrite");
  EXPECT_EQ(s.catalogue, "C.5");
  EXPECT_EQ(s.family, Family::kIpv6);
  EXPECT_EQ(s.seed, 7u);
  EXPECT_TRUE(s.quick);
  ASSERT_TRUE(s.client.firewall);
  EXPECT_EQ(s.client.firewall->profile, FirewallProfile::kStateful);
  EXPECT_FALSE(s.client.firewall->drop_invalid);

  ASSERT_EQ(s.middleboxes.size(), 2u);
  const Middlebox& asa = s.middleboxes[0];
  EXPECT_TRUE(asa.needs_relay());
  EXPECT_EQ(asa.isn_rewrite->client_offset, 0x10000000u);
  EXPECT_FALSE(asa.isn_rewrite->server_offset);  // random: drawn from the seed
  EXPECT_DOUBLE_EQ(asa.impairments->loss, 0.01);
  EXPECT_EQ(asa.impairments->delay, Millis{5});
  EXPECT_DOUBLE_EQ(asa.impairments->duplicate, 0.005);

  const Middlebox& fw = s.middleboxes[1];
  EXPECT_FALSE(fw.needs_relay());
  EXPECT_EQ(fw.firewall->profile, FirewallProfile::kStrict);
  EXPECT_TRUE(fw.firewall->drop_invalid);             // from the profile
  EXPECT_EQ(fw.firewall->conntrack.loose, false);     // from the profile
  EXPECT_EQ(fw.firewall->conntrack.max_retrans, 5);   // stated
  EXPECT_EQ(fw.firewall->conntrack.timeout_unacknowledged, Millis{60000});
  EXPECT_EQ(fw.firewall->max_connections, 100u);
  EXPECT_EQ(fw.nat->ports, (PortRange{40000, 40100}));
  EXPECT_EQ(fw.strip_options->kinds, (std::vector<uint8_t>{3, 4}));
  EXPECT_FALSE(fw.strip_options->on.syn);
  EXPECT_TRUE(fw.strip_options->on.syn_ack);
  EXPECT_EQ(fw.mss_clamp->mss, 1200);
  EXPECT_EQ(fw.linux_override->sysctls.size(), 1u);

  ASSERT_EQ(s.traffic.size(), 2u);
  EXPECT_EQ(s.traffic[0].name, "bulk");
  EXPECT_EQ(s.traffic[1].name, "flows2");
  EXPECT_EQ(s.traffic[1].direction, Direction::kUp);
  // 20 s of traffic stretched by the 30 s idle period.
  EXPECT_EQ(s.traffic_end(), Millis{50000});

  ASSERT_EQ(s.events.size(), 4u);
  EXPECT_EQ(s.events[1].kind, EventKind::kRebindNat);
  EXPECT_EQ(s.events[1].ports, (PortRange{50000, 50010}));
  EXPECT_TRUE(s.events[1].disrupts);
  EXPECT_FALSE(s.events[2].disrupts);
  EXPECT_EQ(s.events[3].length, Millis{2000});

  EXPECT_EQ(s.expect.verdict, Verdict::kPass);
  // Three stated checks plus the implicit corrupted == 0, leaked == 0 and malformed == 0.
  ASSERT_EQ(s.expect.checks.size(), 6u);
  EXPECT_DOUBLE_EQ(*s.expect.checks[0].min, 0.95);
  EXPECT_DOUBLE_EQ(*s.expect.checks[2].max, 45.0);
  EXPECT_EQ(s.expect.checks[3].quantity, "corrupted");
  ASSERT_EQ(s.expect_foreign.size(), 1u);
  EXPECT_EQ(s.expect_foreign[0].second, Verdict::kFail);
}

TEST(Parse, MinimalScenarioGetsDefaults) {
  const Scenario s = parse_scenario(R"(
name: tiny
summary: one flow, no middlebox
traffic: [{flows: 1}]
expect: {verdict: pass}
)", "tiny.yaml");
  EXPECT_EQ(s.family, Family::kIpv4);
  EXPECT_TRUE(s.middleboxes.empty());
  EXPECT_EQ(s.traffic[0].rate, "200pps");
  EXPECT_EQ(s.traffic[0].direction, Direction::kBoth);
  EXPECT_EQ(s.expect.checks.size(), 3u);
}

TEST(Parse, ShorthandsForNatAndIsnRewrite) {
  const Scenario s = parse_scenario(R"(
name: short
summary: shorthands
middleboxes:
  - {name: isn, isn_rewrite: random}
  - {name: nat, nat: masquerade}
traffic: [{flows: 1}]
expect: {verdict: fail, because: testing, checks: {corrupted: 0}}
)", "short.yaml");
  EXPECT_TRUE(s.middleboxes[0].isn_rewrite);
  EXPECT_EQ(s.middleboxes[1].nat->kind, NatKind::kMasquerade);
  EXPECT_EQ(s.expect.checks.size(), 3u);  // corrupted stated once, leaked and malformed added
}

}  // namespace
}  // namespace phantasm::scenario
