#include "harness/scenario/parse.h"

#include <fstream>
#include <sstream>

#include "harness/scenario/expectation.h"
#include "harness/scenario/scenario_error.h"
#include "harness/scenario/units.h"
#include "harness/scenario/validate.h"
#include "harness/scenario/yaml_reader.h"

namespace phantasm::scenario {
namespace {

// Option kinds by the names nft uses, or by number.
uint8_t option_kind(const YamlContext& ctx, const YAML::Node& n) {
  const std::string s = ctx.text(n, "strip_options.kinds");
  if (s == "mss" || s == "maxseg") return 2;
  if (s == "window_scale" || s == "window") return 3;
  if (s == "sack_permitted" || s == "sack-perm") return 4;
  if (s == "sack") return 5;
  if (s == "timestamps" || s == "timestamp") return 8;
  if (s == "phantasm_hello" || s == "experimental") return 253;
  return static_cast<uint8_t>(ctx.integer(n, "strip_options.kinds (a name: mss, window_scale, sack_permitted, "
                                          "sack, timestamps, phantasm_hello; or a number)", 2, 255));
}

ConntrackSettings read_conntrack(const YamlContext& ctx, const YAML::Node& node) {
  MapReader m(ctx, node, "conntrack");
  ConntrackSettings c;
  if (auto n = m.take("be_liberal")) c.be_liberal = ctx.boolean(*n, "conntrack.be_liberal");
  if (auto n = m.take("loose")) c.loose = ctx.boolean(*n, "conntrack.loose");
  if (auto n = m.take("ignore_invalid_rst")) c.ignore_invalid_rst = ctx.boolean(*n, "conntrack.ignore_invalid_rst");
  if (auto n = m.take("max_retrans")) c.max_retrans = static_cast<int>(ctx.integer(*n, "conntrack.max_retrans", 0, 255));
  if (auto t = m.take("timeouts")) {
    MapReader tm(ctx, *t, "conntrack.timeouts");
    if (auto n = tm.take("established")) c.timeout_established = ctx.duration(*n, "timeouts.established");
    if (auto n = tm.take("unacknowledged")) c.timeout_unacknowledged = ctx.duration(*n, "timeouts.unacknowledged");
    if (auto n = tm.take("max_retrans")) c.timeout_max_retrans = ctx.duration(*n, "timeouts.max_retrans");
    if (auto n = tm.take("syn_sent")) c.timeout_syn_sent = ctx.duration(*n, "timeouts.syn_sent");
    if (auto n = tm.take("close")) c.timeout_close = ctx.duration(*n, "timeouts.close");
    tm.finish();
  }
  m.finish();
  return c;
}

Firewall read_firewall(const YamlContext& ctx, const YAML::Node& node) {
  Firewall f;
  f.mark = mark_of(node);
  MapReader m(ctx, node, "firewall");
  if (auto n = m.take("profile")) {
    f.profile = static_cast<FirewallProfile>(ctx.choice(*n, "firewall.profile", {"open", "stateful", "strict"}));
  }
  // The strict profile is middleboxes.md §B.4 rule 8; explicit settings below override it.
  if (f.profile == FirewallProfile::kStrict) {
    f.drop_invalid = true;
    f.conntrack.be_liberal = false;
    f.conntrack.loose = false;
  }
  if (auto n = m.take("drop_invalid")) f.drop_invalid = ctx.boolean(*n, "firewall.drop_invalid");
  if (auto n = m.take("max_connections")) {
    f.max_connections = static_cast<uint32_t>(ctx.integer(*n, "firewall.max_connections", 1, 1000000));
  }
  if (auto n = m.take("conntrack")) {
    const ConntrackSettings explicit_settings = read_conntrack(ctx, *n);
    auto keep = [](auto& into, const auto& from) {
      if (from) into = from;
    };
    keep(f.conntrack.be_liberal, explicit_settings.be_liberal);
    keep(f.conntrack.loose, explicit_settings.loose);
    keep(f.conntrack.ignore_invalid_rst, explicit_settings.ignore_invalid_rst);
    keep(f.conntrack.max_retrans, explicit_settings.max_retrans);
    keep(f.conntrack.timeout_established, explicit_settings.timeout_established);
    keep(f.conntrack.timeout_unacknowledged, explicit_settings.timeout_unacknowledged);
    keep(f.conntrack.timeout_max_retrans, explicit_settings.timeout_max_retrans);
    keep(f.conntrack.timeout_syn_sent, explicit_settings.timeout_syn_sent);
    keep(f.conntrack.timeout_close, explicit_settings.timeout_close);
  }
  m.finish();
  return f;
}

Nat read_nat(const YamlContext& ctx, const YAML::Node& node) {
  Nat nat;
  nat.mark = mark_of(node);
  if (node.IsScalar()) {
    nat.kind = static_cast<NatKind>(ctx.choice(node, "nat", {"masquerade", "snat"}));
    return nat;
  }
  MapReader m(ctx, node, "nat");
  if (auto n = m.take("kind")) nat.kind = static_cast<NatKind>(ctx.choice(*n, "nat.kind", {"masquerade", "snat"}));
  if (auto n = m.take("ports")) nat.ports = ctx.ports(*n, "nat.ports");
  m.finish();
  return nat;
}

HandshakeSegments read_segments(const YamlContext& ctx, const YAML::Node& node, std::string_view what) {
  HandshakeSegments on{false, false};
  for (const YAML::Node& item : ctx.list(node, what)) {
    if (ctx.choice(item, what, {"syn", "syn_ack"}) == 0) on.syn = true;
    else on.syn_ack = true;
  }
  return on;
}

OptionStrip read_strip(const YamlContext& ctx, const YAML::Node& node) {
  OptionStrip s;
  s.mark = mark_of(node);
  MapReader m(ctx, node, "strip_options");
  for (const YAML::Node& k : ctx.list(m.require("kinds"), "strip_options.kinds")) s.kinds.push_back(option_kind(ctx, k));
  if (auto n = m.take("on")) s.on = read_segments(ctx, *n, "strip_options.on");
  if (auto n = m.take("all_segments")) s.all_segments = ctx.boolean(*n, "strip_options.all_segments");
  if (auto n = m.take("via")) s.via = static_cast<Realisation>(ctx.choice(*n, "strip_options.via", {"kernel", "relay"}));
  m.finish();
  return s;
}

std::optional<uint32_t> offset_or_random(const YamlContext& ctx, const YAML::Node& n, std::string_view what) {
  if (n.IsScalar() && n.Scalar() == "random") return std::nullopt;
  return static_cast<uint32_t>(ctx.integer(n, what, 0, 0xFFFFFFFF));
}

IsnRewrite read_isn(const YamlContext& ctx, const YAML::Node& node) {
  IsnRewrite r;
  r.mark = mark_of(node);
  if (node.IsScalar()) {
    ctx.choice(node, "isn_rewrite", {"random"});
    return r;
  }
  MapReader m(ctx, node, "isn_rewrite");
  if (auto n = m.take("client_offset")) r.client_offset = offset_or_random(ctx, *n, "isn_rewrite.client_offset");
  if (auto n = m.take("server_offset")) r.server_offset = offset_or_random(ctx, *n, "isn_rewrite.server_offset");
  m.finish();
  return r;
}

RstInjection read_rst(const YamlContext& ctx, const YAML::Node& node) {
  RstInjection r;
  r.mark = mark_of(node);
  MapReader m(ctx, node, "rst_injection");
  if (auto n = m.take("mode")) r.mode = static_cast<RstMode>(ctx.choice(*n, "rst_injection.mode", {"blind", "in_window"}));
  if (auto n = m.take("towards")) {
    r.towards = static_cast<Towards>(ctx.choice(*n, "rst_injection.towards", {"client", "server", "both"}));
  }
  if (auto n = m.take("every")) r.every = ctx.duration(*n, "rst_injection.every");
  m.finish();
  return r;
}

Normaliser read_normaliser(const YamlContext& ctx, const YAML::Node& node) {
  Normaliser nm;
  nm.mark = mark_of(node);
  MapReader m(ctx, node, "normaliser");
  if (auto n = m.take("drop_conflicting_retransmissions")) {
    nm.drop_conflicting_retransmissions = ctx.boolean(*n, "normaliser.drop_conflicting_retransmissions");
  }
  if (auto n = m.take("block_above_hole")) nm.block_above_hole = ctx.boolean(*n, "normaliser.block_above_hole");
  m.finish();
  return nm;
}

Dpi read_dpi(const YamlContext& ctx, const YAML::Node& node) {
  Dpi d;
  d.mark = mark_of(node);
  MapReader m(ctx, node, "dpi");
  for (const YAML::Node& p : ctx.list(m.require("allow"), "dpi.allow")) {
    std::string prefix = ctx.text(p, "dpi.allow");
    if (prefix.empty()) ctx.fail(p, "dpi.allow: an empty prefix would allow everything");
    d.allow_prefixes.push_back(std::move(prefix));
  }
  m.finish();
  return d;
}

Impairments read_impairments(const YamlContext& ctx, const YAML::Node& node) {
  Impairments i;
  i.mark = mark_of(node);
  MapReader m(ctx, node, "impairments");
  if (auto n = m.take("loss")) i.loss = ctx.fraction(*n, "impairments.loss");
  if (auto n = m.take("delay")) i.delay = ctx.duration(*n, "impairments.delay");
  if (auto n = m.take("jitter")) i.jitter = ctx.duration(*n, "impairments.jitter");
  if (auto n = m.take("duplicate")) i.duplicate = ctx.fraction(*n, "impairments.duplicate");
  m.finish();
  return i;
}

LinuxOverride read_linux(const YamlContext& ctx, const YAML::Node& node) {
  LinuxOverride l;
  MapReader m(ctx, node, "linux");
  if (auto n = m.take("nft")) l.nft = ctx.text(*n, "linux.nft");
  if (auto n = m.take("sysctls")) {
    for (const YAML::Node& s : ctx.list(*n, "linux.sysctls")) {
      std::string line = ctx.text(s, "linux.sysctls");
      if (line.find('=') == std::string::npos) ctx.fail(s, "linux.sysctls: expected name=value, got '" + line + "'");
      l.sysctls.push_back(std::move(line));
    }
  }
  if (auto n = m.take("commands")) {
    for (const YAML::Node& c : ctx.list(*n, "linux.commands")) l.commands.push_back(ctx.text(c, "linux.commands"));
  }
  m.finish();
  return l;
}

Middlebox read_middlebox(const YamlContext& ctx, const YAML::Node& node) {
  Middlebox b;
  b.mark = mark_of(node);
  MapReader m(ctx, node, "middlebox");
  b.name = ctx.text(m.require("name"), "middlebox.name");
  if (auto n = m.take("firewall")) b.firewall = read_firewall(ctx, *n);
  if (auto n = m.take("nat")) b.nat = read_nat(ctx, *n);
  if (auto n = m.take("strip_options")) b.strip_options = read_strip(ctx, *n);
  if (auto n = m.take("mss_clamp")) {
    b.mss_clamp = MssClamp{static_cast<uint16_t>(ctx.integer(*n, "mss_clamp", 88, 65535)), mark_of(*n)};
  }
  if (auto n = m.take("isn_rewrite")) b.isn_rewrite = read_isn(ctx, *n);
  if (auto n = m.take("rst_injection")) b.rst_injection = read_rst(ctx, *n);
  if (auto n = m.take("normaliser")) b.normaliser = read_normaliser(ctx, *n);
  if (auto n = m.take("dpi")) b.dpi = read_dpi(ctx, *n);
  if (auto n = m.take("impairments")) b.impairments = read_impairments(ctx, *n);
  if (auto n = m.take("mtu")) b.mtu = static_cast<uint16_t>(ctx.integer(*n, "mtu", 1280, 65535));
  if (auto n = m.take("drop_icmp")) b.drop_icmp = ctx.boolean(*n, "drop_icmp");
  if (auto n = m.take("linux")) b.linux_override = read_linux(ctx, *n);
  m.finish();
  return b;
}

Host read_host(const YamlContext& ctx, const YAML::Node& node, std::string what) {
  Host h;
  MapReader m(ctx, node, what);
  if (auto n = m.take("firewall")) h.firewall = read_firewall(ctx, *n);
  if (auto n = m.take("linux")) h.linux_override = read_linux(ctx, *n);
  m.finish();
  return h;
}

FlowGroup read_flow_group(const YamlContext& ctx, const YAML::Node& node, size_t index) {
  FlowGroup g;
  g.mark = mark_of(node);
  g.name = "flows" + std::to_string(index + 1);
  MapReader m(ctx, node, "traffic");
  if (auto n = m.take("name")) g.name = ctx.text(*n, "traffic.name");
  if (auto n = m.take("flows")) g.flows = static_cast<uint32_t>(ctx.integer(*n, "traffic.flows", 1, 20000));
  if (auto n = m.take("rate")) {
    g.rate = ctx.text(*n, "traffic.rate");
    if (!is_rate(g.rate)) ctx.fail(*n, "traffic.rate: expected udpgen's notation (200pps, 10kpps, 5M, 500Mbit), got '" + g.rate + "'");
  }
  if (auto n = m.take("size")) {
    g.size = ctx.text(*n, "traffic.size");
    if (!is_size(g.size)) ctx.fail(*n, "traffic.size: expected 1400, 64-1400, 64,576,1400 or 64:7,1400:1 (40..65507 bytes), got '" + g.size + "'");
  }
  if (auto n = m.take("direction")) g.direction = static_cast<Direction>(ctx.choice(*n, "traffic.direction", {"up", "both"}));
  if (auto n = m.take("start")) g.start = ctx.duration(*n, "traffic.start");
  if (auto n = m.take("duration")) g.duration = ctx.duration(*n, "traffic.duration");
  m.finish();
  return g;
}

Event read_event(const YamlContext& ctx, const YAML::Node& node) {
  Event e;
  e.mark = mark_of(node);
  MapReader m(ctx, node, "event");
  e.at = ctx.duration(m.require("at"), "event.at");
  int kinds = 0;
  if (auto n = m.take("flush_conntrack")) {
    e.kind = EventKind::kFlushConntrack, e.target = ctx.text(*n, "flush_conntrack"), e.disrupts = true, ++kinds;
  }
  if (auto n = m.take("rebind_nat")) {
    MapReader r(ctx, *n, "rebind_nat");
    e.kind = EventKind::kRebindNat, e.disrupts = true, ++kinds;
    e.target = ctx.text(r.require("in"), "rebind_nat.in");
    e.ports = ctx.ports(r.require("ports"), "rebind_nat.ports");
    r.finish();
  }
  for (auto [key, kind] : {std::pair{"restart_server", EventKind::kRestartServer},
                           std::pair{"restart_client", EventKind::kRestartClient}}) {
    if (auto n = m.take(key)) {
      MapReader r(ctx, *n, key);
      e.kind = kind, e.disrupts = true, ++kinds;
      e.target = kind == EventKind::kRestartServer ? "server" : "client";
      if (auto d = r.take("down")) e.length = ctx.duration(*d, std::string(key) + ".down");
      r.finish();
    }
  }
  if (auto n = m.take("idle")) e.kind = EventKind::kIdle, e.length = ctx.duration(*n, "idle"), ++kinds;
  if (auto n = m.take("inject_rst")) {
    e.kind = EventKind::kInjectRst, e.target = ctx.text(*n, "inject_rst"), e.disrupts = true, ++kinds;
  }
  if (kinds != 1) {
    ctx.fail(node, "event: needs exactly one of flush_conntrack, rebind_nat, restart_server, restart_client, "
                   "idle, inject_rst (besides 'at')");
  }
  m.finish();
  return e;
}

Check read_check(const YamlContext& ctx, const YAML::Node& key, const YAML::Node& value) {
  Check c;
  c.quantity = key.Scalar();
  c.mark = mark_of(key);
  const QuantityInfo* info = find_quantity(c.quantity);
  if (!info) ctx.fail(key, "expect.checks: unknown quantity '" + c.quantity + "' (known: " + quantity_names() + ")");
  auto read_value = [&](const YAML::Node& n, std::string_view what) -> double {
    switch (info->unit) {
      case QuantityUnit::kFraction: return ctx.fraction(n, what);
      case QuantityUnit::kSeconds: return static_cast<double>(ctx.duration(n, what).count()) / 1e3;
      case QuantityUnit::kCount: break;
    }
    return ctx.number(n, what);
  };
  const std::string what = "expect.checks." + c.quantity;
  if (value.IsScalar()) {  // shorthand: exactly this value
    c.min = c.max = read_value(value, what);
  } else {
    MapReader m(ctx, value, what);
    if (auto n = m.take("min")) c.min = read_value(*n, what + ".min");
    if (auto n = m.take("max")) c.max = read_value(*n, what + ".max");
    if (auto n = m.take("tolerance")) c.tolerance = read_value(*n, what + ".tolerance");
    if (auto n = m.take("where")) {
      for (const YAML::Node& w : ctx.list(*n, what + ".where")) c.where.push_back(ctx.text(w, what + ".where"));
    }
    m.finish();
    if (!c.min && !c.max) ctx.fail(value, what + ": needs min, max or both");
  }
  if (c.min && c.max && *c.min > *c.max) ctx.fail(value, what + ": min is above max");
  if (info->needs_where && c.where.empty()) ctx.fail(value, what + ": says where to look ('where: [fw, client]')");
  return c;
}

Expectation read_expectation(const YamlContext& ctx, const YAML::Node& node,
                             std::vector<std::pair<std::string, Verdict>>& foreign) {
  Expectation e;
  MapReader m(ctx, node, "expect");
  e.verdict = static_cast<Verdict>(ctx.choice(m.require("verdict"), "expect.verdict", {"pass", "fail", "incompatible"}));
  if (auto n = m.take("because")) e.because = ctx.text(*n, "expect.because");
  if (e.verdict != Verdict::kPass && e.because.empty()) {
    ctx.fail(node, "expect: a verdict other than pass says why ('because: ...')");
  }
  if (auto checks = m.take("checks")) {
    if (!checks->IsMap()) ctx.fail(*checks, "expect.checks: expected a map of quantity: {min, max, tolerance, where}");
    for (const auto& entry : *checks) e.checks.push_back(read_check(ctx, entry.first, entry.second));
  }
  if (auto n = m.take("foreign")) {
    MapReader f(ctx, *n, "expect.foreign");
    for (const char* tunnel : {"phantun", "udp2raw"}) {
      if (auto v = f.take(tunnel)) {
        foreign.emplace_back(tunnel, static_cast<Verdict>(ctx.choice(*v, "expect.foreign", {"pass", "fail", "incompatible"})));
      }
    }
    f.finish();
  }
  m.finish();
  add_implicit_checks(e);
  return e;
}

Scenario read_scenario(const YamlContext& ctx, const YAML::Node& root) {
  Scenario s;
  s.file = ctx.file();
  MapReader m(ctx, root, "scenario");
  s.name = ctx.text(m.require("name"), "name");
  s.summary = ctx.text(m.require("summary"), "summary");
  if (auto n = m.take("catalogue")) s.catalogue = ctx.text(*n, "catalogue");
  if (auto n = m.take("family")) s.family = static_cast<Family>(ctx.choice(*n, "family", {"ipv4", "ipv6"}));
  if (auto n = m.take("seed")) s.seed = static_cast<uint64_t>(ctx.integer(*n, "seed", 0, INT64_MAX));
  if (auto n = m.take("quick")) s.quick = ctx.boolean(*n, "quick");
  if (auto n = m.take("client")) s.client = read_host(ctx, *n, "client");
  if (auto n = m.take("middleboxes")) {
    if (!n->IsSequence()) ctx.fail(*n, "middleboxes: expected a list, client side first");
    for (const YAML::Node& b : *n) s.middleboxes.push_back(read_middlebox(ctx, b));
  }
  if (auto n = m.take("server")) s.server = read_host(ctx, *n, "server");
  const YAML::Node traffic = m.require("traffic");
  if (!traffic.IsSequence() || traffic.size() == 0) ctx.fail(traffic, "traffic: expected a list of flow groups");
  for (const YAML::Node& g : traffic) s.traffic.push_back(read_flow_group(ctx, g, s.traffic.size()));
  if (auto n = m.take("events")) {
    if (!n->IsSequence()) ctx.fail(*n, "events: expected a list");
    for (const YAML::Node& e : *n) s.events.push_back(read_event(ctx, e));
  }
  s.expect = read_expectation(ctx, m.require("expect"), s.expect_foreign);
  m.finish();
  return s;
}

}  // namespace

Scenario parse_scenario(std::string_view yaml_text, std::string file) {
  const YamlContext ctx(std::move(file));
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    throw ScenarioError(ctx.file(), SourceMark{e.mark.line + 1, e.mark.column + 1}, e.msg);
  }
  if (!root.IsDefined() || root.IsNull()) throw ScenarioError(ctx.file(), "empty scenario file");
  Scenario s;
  try {
    s = read_scenario(ctx, root);
  } catch (const YAML::Exception& e) {  // a conversion yaml-cpp refused; keep the location
    throw ScenarioError(ctx.file(), SourceMark{e.mark.line + 1, e.mark.column + 1}, e.msg);
  }
  const std::vector<std::string> problems = validate(s);
  if (!problems.empty()) {
    std::string all = problems.front();
    for (size_t i = 1; i < problems.size(); ++i) all += "\n" + problems[i];
    throw ScenarioError::preformatted(all);
  }
  return s;
}

Scenario load_scenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ScenarioError(path, "cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path);
}

}  // namespace phantasm::scenario
