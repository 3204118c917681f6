#include "netns-tests/runner/run.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <thread>

#include "harness/scenario/units.h"
#include "netns-tests/runner/capture_analysis.h"
#include "netns-tests/runner/probe.h"
#include "netns-tests/runner/process.h"
#include "netns-tests/runner/rules.h"
#include "netns-tests/runner/topology.h"
#include "netns-tests/runner/traffic_plan.h"

namespace phantasm::netns {
namespace {

using scenario::Millis;

int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

bool wait_for_log(Process& p, const std::string& text, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (read_file(p.log_path()).find(text) != std::string::npos) return true;
    if (!p.running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::string unique_prefix() {
  static std::atomic<int> counter{0};
  return "phx" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-";
}

// Everything started for one run, stopped in reverse order when it ends.
struct Daemons {
  std::map<std::string, Process> captures;  // by namespace label; stopped last
  std::map<std::string, Process> relays;  // by box name
  Process sink;
  Process server;
  Process client;
  Process probe;
  std::vector<Process> traffic;
};

struct GroupCounts {
  uint64_t sent = 0;
  uint64_t delivered = 0;
  uint64_t corrupted = 0;
  uint64_t duplicated = 0;
};

class Run {
 public:
  Run(const scenario::Scenario& s, const RunOptions& o)
      : s_(s), o_(o), topo_(s, unique_prefix()), commands_(tunnel_commands(o.tunnel, topo_.server_address(), topo_.ipv6())) {}

  RunResult execute();

 private:
  void say(const std::string& line) const {
    if (o_.progress) o_.progress(line);
  }
  std::string work(const std::string& name) const { return work_dir_ + "/" + name; }
  void set_up();
  void start_processes();
  Process start_server() const;
  Process start_client() const;
  void drive();
  void fire(const scenario::Event& e);
  void measure();
  void tear_down();
  void count_traffic();
  void start_captures();
  void read_captures();

  const scenario::Scenario& s_;
  const RunOptions& o_;
  Topology topo_;
  TunnelCommands commands_;
  std::string work_dir_;
  Daemons d_;
  RunResult result_;
  std::vector<TrafficSegment> segments_;
  std::vector<std::pair<size_t, std::string>> segment_json_;  // group, file
  std::vector<int64_t> disruption_ns_;
  bool recovery_failed_ = false;  // a flow (or the probe) never came back after an event
};

void Run::set_up() {
  char tmpl[] = "/tmp/phx-scenario.XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  work_dir_ = tmpl;
  std::filesystem::permissions(work_dir_, std::filesystem::perms(0755));
  say("namespaces " + topo_.client().ns.substr(0, topo_.client().ns.size() - 1) + "*, logs in " + work_dir_);
  topo_.build();
  for (const Node& n : topo_.nodes()) apply_check_table(n);
  if (s_.client.firewall) apply_firewall(topo_.client(), *s_.client.firewall);
  if (s_.server.firewall) apply_firewall(topo_.server(), *s_.server.firewall);
  if (!commands_.client_nft.empty()) must_run_in(topo_.client().ns, {"nft", "-f", "-"}, commands_.client_nft);
  if (!commands_.server_nft.empty()) must_run_in(topo_.server().ns, {"nft", "-f", "-"}, commands_.server_nft);
  for (size_t i = 0; i < s_.middleboxes.size(); ++i) {
    const scenario::Middlebox& box = s_.middleboxes[i];
    apply_box(topo_, i, box, box.needs_relay() ? std::optional<uint16_t>(static_cast<uint16_t>(i)) : std::nullopt);
  }
  if (s_.client.linux_override) apply_linux_override(topo_.client(), *s_.client.linux_override);
  if (s_.server.linux_override) apply_linux_override(topo_.server(), *s_.server.linux_override);
}

Process Run::start_server() const {
  return Process::start(topo_.server().ns, commands_.server, work("server.log"), false, commands_.env);
}

Process Run::start_client() const {
  return Process::start(topo_.client().ns, commands_.client, work("client.log"), false, commands_.env);
}

// One capture per namespace: the client's uplink and loopback (echoes back at the senders), each
// box's two links, the server's link and loopback (datagrams reaching the sink).
void Run::start_captures() {
  if (!o_.capture) return;
  for (const Node& n : topo_.nodes()) {
    std::vector<std::string> argv = {"nice", "-n", "5", o_.phantasm_binary, "netns", "capture", "--json",
                                     work("capture-" + n.label + ".json"), "--tunnel-port", std::to_string(kTunnelPort)};
    if (&n == &topo_.client()) {
      argv.insert(argv.end(), {"--wire", "wan", "--echo-port", std::to_string(kClientEntryPort), "--sent-port",
                               std::to_string(kClientEntryPort)});
    } else if (&n == &topo_.server()) {
      argv.insert(argv.end(), {"--wire", "lan", "--sink-port", std::to_string(kSinkPort)});
    } else {
      argv.insert(argv.end(), {"--wire", "lan", "--wire", "wan"});
    }
    if (o_.pcap) argv.insert(argv.end(), {"--pcap", work("capture-" + n.label)});
    Process p = Process::start(n.ns, argv, work("capture-" + n.label + ".log"));
    if (!wait_for_log(p, "ready", 5000)) {
      throw std::runtime_error("capture in " + n.label + " did not start: " + read_file(p.log_path()));
    }
    d_.captures.emplace(n.label, std::move(p));
    // With the packets, conntrack's own story: every entry's events, timestamped.
    if (o_.pcap) {
      d_.captures.emplace(n.label + "/conntrack",
                          Process::start(n.ns, {"conntrack", "-E", "-o", "timestamp,id"}, work("conntrack-" + n.label + ".log")));
    }
  }
}

void Run::start_processes() {
  start_captures();
  for (size_t i = 0; i < s_.middleboxes.size(); ++i) {
    const scenario::Middlebox& box = s_.middleboxes[i];
    if (!box.needs_relay()) continue;
    Process p = Process::start(topo_.box(i).ns,
                               {o_.phantasm_binary, "netns", "relay", "--scenario", s_.file, "--box", box.name, "--queue",
                                std::to_string(i), "--stats", work("relay-" + box.name + ".json")},
                               work("relay-" + box.name + ".log"), true);
    if (!wait_for_log(p, "ready", 5000)) throw std::runtime_error("relay of " + box.name + " did not start: " + read_file(p.log_path()));
    d_.relays.emplace(box.name, std::move(p));
  }
  d_.sink = Process::start(topo_.server().ns,
                           {o_.phantasm_binary, "udpgen", "sink", "--listen", kSinkAddress, "--echo", "--quiet", "--json",
                            work("sink.json"), "--max-flows", "65536"},
                           work("sink.log"));
  d_.server = start_server();
  if (!commands_.server_ready.empty() && !wait_for_log(d_.server, commands_.server_ready, 10000)) {
    throw std::runtime_error("server did not start: " + read_file(work("server.log")));
  }
  d_.client = start_client();
  if (!commands_.client_ready.empty() && !wait_for_log(d_.client, commands_.client_ready, 10000)) {
    throw std::runtime_error("client did not start: " + read_file(work("client.log")));
  }
  if (commands_.client_ready.empty()) std::this_thread::sleep_for(std::chrono::seconds(2));
  d_.probe = Process::start(topo_.client().ns,
                            {o_.phantasm_binary, "netns", "probe", "--target", kClientEntry, "--bind",
                             "127.0.0.1:" + std::to_string(kProbePort), "--interval", "50ms", "--json", work("probe.json")},
                            work("probe.log"));
}

void Run::fire(const scenario::Event& e) {
  say("event at " + scenario::format_duration(e.at) + ": " + std::string(scenario::to_string(e.kind)) +
      (e.target.empty() ? "" : " " + e.target));
  if (e.disrupts) disruption_ns_.push_back(monotonic_ns());
  const Node* node = topo_.find(e.target);
  switch (e.kind) {
    case scenario::EventKind::kFlushConntrack:
      flush_conntrack(*node);
      break;
    case scenario::EventKind::kRebindNat: {
      const auto* box = s_.find_middlebox(e.target);
      const size_t i = static_cast<size_t>(box - s_.middleboxes.data());
      apply_nat(*node, *box->nat, e.ports, topo_.address(i + 1, 1), topo_.address(i + 1, 1));
      flush_conntrack(*node);
      break;
    }
    case scenario::EventKind::kRestartServer:
      d_.server.stop();
      std::this_thread::sleep_for(e.length);
      d_.server = start_server();
      break;
    case scenario::EventKind::kRestartClient:
      d_.client.stop();
      std::this_thread::sleep_for(e.length);
      d_.client = start_client();
      break;
    case scenario::EventKind::kInjectRst:
      d_.relays.at(e.target).send("trigger");
      break;
    case scenario::EventKind::kIdle:
      break;  // the traffic plan already pauses
  }
}

void Run::drive() {
  segments_ = plan_traffic(s_);
  struct Action {
    Millis at;
    int kind;  // 0 traffic segment, 1 event
    size_t index;
  };
  std::vector<Action> actions;
  for (size_t i = 0; i < segments_.size(); ++i) actions.push_back({segments_[i].start, 0, i});
  for (size_t i = 0; i < s_.events.size(); ++i) actions.push_back({s_.events[i].at, 1, i});
  std::stable_sort(actions.begin(), actions.end(), [](const Action& a, const Action& b) { return a.at < b.at; });
  // Let the probe's flow open first; then the scenario clock starts.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto t0 = std::chrono::steady_clock::now();
  say("traffic: " + std::to_string(segments_.size()) + " udpgen run(s), " + std::to_string(s_.events.size()) +
      " event(s), " + scenario::format_duration(s_.traffic_end()) + " in all");
  for (const Action& a : actions) {
    std::this_thread::sleep_until(t0 + a.at);
    if (a.kind == 1) {
      fire(s_.events[a.index]);
      continue;
    }
    const TrafficSegment& seg = segments_[a.index];
    const scenario::FlowGroup& g = s_.traffic[seg.group];
    const std::string json = work("traffic-" + std::to_string(a.index) + ".json");
    std::vector<std::string> argv = {o_.phantasm_binary, "udpgen", "send", "--target", kClientEntry, "--bind",
                                     "127.0.0.1:" + std::to_string(seg.bind_port), "--flows", std::to_string(g.flows),
                                     "--rate", g.rate, "--size", g.size, "--duration",
                                     std::to_string(seg.length.count()) + "ms", "--grace", "3s", "--json", json, "--quiet"};
    if (g.direction == scenario::Direction::kBoth) argv.push_back("--echo");
    // Every run warms its flows up, so that their handshakes happen before counting: the first
    // run of a group opens its flows, and a run after an idle period may find them closed by the
    // tunnel's own idle timeout (Phantasm: 180 s), which a new handshake then reopens.
    argv.insert(argv.end(), {"--warmup", "2s"});
    d_.traffic.push_back(Process::start(topo_.client().ns, argv, work("traffic-" + std::to_string(a.index) + ".log")));
    segment_json_.emplace_back(seg.group, json);
  }
  for (Process& p : d_.traffic) p.wait(static_cast<int>(s_.traffic_end().count()) + 60000);
}

GroupCounts read_echoed(const nlohmann::json& j) {
  GroupCounts c;
  for (const auto& d : j.at("directions")) {
    if (d.at("name") == "sent") c.sent += d.at("sent").get<uint64_t>();
    if (d.at("name") == "echoed") {
      c.delivered += d.at("delivered").get<uint64_t>();
      c.corrupted += d.at("corrupted").get<uint64_t>();
      c.duplicated += d.at("duplicated").get<uint64_t>();
    }
  }
  return c;
}

void Run::count_traffic() {
  std::optional<nlohmann::json> sink;
  try {
    sink = nlohmann::json::parse(read_file(work("sink.json")));
  } catch (const std::exception&) {
  }
  GroupCounts total;
  for (const auto& [group, file] : segment_json_) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(read_file(file));
    } catch (const std::exception&) {
      result_.notes.push_back("no udpgen report " + file);
      continue;
    }
    if (s_.traffic[group].direction == scenario::Direction::kBoth) {
      const GroupCounts c = read_echoed(j);
      total.sent += c.sent, total.delivered += c.delivered, total.corrupted += c.corrupted, total.duplicated += c.duplicated;
      continue;
    }
    // One way: what the sink counted for this run's session.
    const uint64_t session = std::stoull(j.at("settings").at("session").get<std::string>(), nullptr, 16);
    for (const auto& d : j.at("directions")) {
      if (d.at("name") == "sent") total.sent += d.at("sent").get<uint64_t>();
    }
    if (!sink) continue;
    for (const auto& f : sink->at("flows")) {
      if (f.at("session").get<uint64_t>() != session) continue;
      total.delivered += f.at("delivered").get<uint64_t>();
      total.corrupted += f.at("corrupted").get<uint64_t>();
      total.duplicated += f.at("duplicated").get<uint64_t>();
    }
  }
  scenario::Measurements& m = result_.measurements;
  m.set("lost", static_cast<double>(total.sent - std::min(total.sent, total.delivered)));
  m.set("delivered", total.sent ? static_cast<double>(total.delivered) / static_cast<double>(total.sent) : 0.0);
  m.set("corrupted", static_cast<double>(total.corrupted));
  m.set("duplicated", static_cast<double>(total.duplicated));
  result_.notes.push_back("datagrams sent " + std::to_string(total.sent) + ", delivered " + std::to_string(total.delivered) +
                          ", corrupted " + std::to_string(total.corrupted) + ", duplicated " + std::to_string(total.duplicated));
}

// The numbers from a Phantasm stats line ("resets in N out M", "reconnects N" when the daemon
// prints it).
void read_daemon_stats(const std::string& log, const std::string& who, RunResult& r, double& resets_in,
                       std::optional<double>& reconnects) {
  const size_t at = log.rfind("stats:");
  if (at == std::string::npos) return;
  const std::string line = log.substr(at, log.find('\n', at) - at);
  r.notes.push_back(who + " " + line);
  std::smatch m;
  static const std::regex resets("resets in ([0-9]+)");
  static const std::regex reconnected("reconnects ([0-9]+)");
  if (std::regex_search(line, m, resets)) resets_in += std::stod(m[1]);
  if (who == "client" && std::regex_search(line, m, reconnected)) reconnects = std::stod(m[1]);
}

void Run::read_captures() {
  scenario::Measurements& m = result_.measurements;
  WireStats all;
  uint64_t pcap_drops = 0;
  std::vector<FlowRecord> flows, sent;
  bool complete = !d_.captures.empty();
  std::optional<uint64_t> reconnects;
  for (const Node& n : topo_.nodes()) {
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(read_file(work("capture-" + n.label + ".json")));
    } catch (const std::exception&) {
      result_.notes.push_back("no capture report from " + n.label + ": " + read_file(work("capture-" + n.label + ".log")));
      complete = false;
      continue;
    }
    pcap_drops += j.value("pcap_drops", uint64_t{0});
    WireStats ns;
    for (const auto& [iface, w] : j.at("wire").items()) {
      const WireStats s = WireStats::from_json(w);
      ns += s;
      all += s;
      for (const auto& p : s.problems) result_.notes.push_back("capture " + n.label + "/" + iface + ": " + p);
    }
    if (ns.rst > 0) {
      result_.notes.push_back("capture " + n.label + ": " + std::to_string(ns.packets) + " packets, " +
                              std::to_string(ns.rst) + " RST, " + std::to_string(ns.syn) + " SYN, " +
                              std::to_string(ns.syn_ack) + " SYN-ACK (both links)");
    }
    if (&n == &topo_.client() && j.at("connections").contains("wan")) {
      reconnects = count_reconnects(j.at("connections").at("wan"));
    }
    for (const char* where : {"echo", "sink"}) {
      auto r = read_flow_records(j.at("flows").at(where), where);
      flows.insert(flows.end(), r.begin(), r.end());
    }
    auto r = read_flow_records(j.at("flows").at("sent"), "sent");
    sent.insert(sent.end(), r.begin(), r.end());
  }
  if (!complete) return;
  m.set("malformed", static_cast<double>(all.bad_checksums() + all.no_flags + all.fin_without_ack));
  m.set("leaked", std::max(m.get("leaked").value_or(0), static_cast<double>(all.leaked)));
  result_.notes.push_back("capture: " + std::to_string(all.packets) + " packets on the wires, checksums verified on " +
                          std::to_string(all.checksums_checked) + ", bad " + std::to_string(all.bad_checksums()) +
                          ", no flags " + std::to_string(all.no_flags) + ", FIN without ACK " +
                          std::to_string(all.fin_without_ack) + ", TUN-private sources " + std::to_string(all.leaked) +
                          (pcap_drops ? ", capture drops " + std::to_string(pcap_drops) : ""));
  if (reconnects && !m.get("reconnects")) m.set("reconnects", static_cast<double>(*reconnects));
  if (reconnects) result_.notes.push_back("reconnects seen on the client's wire: " + std::to_string(*reconnects));
  // Every flow's silences: the longest, and recovery per flow after each disruptive event.
  const FlowOutage o = flow_outage(flows, sent, disruption_ns_, 3000000000);
  m.set("gap", o.longest_gap_s);
  if (!o.longest_gap_flow.empty()) {
    result_.notes.push_back(fmt::format("longest silence {:.2f} s: {} ({} flow(s) timed; {} silence(s) the senders made "
                                        "themselves or that lost nothing not counted)",
                                        o.longest_gap_s, o.longest_gap_flow, flows.size(), o.silences_while_idle));
  }
  if (!disruption_ns_.empty()) {
    if (o.recovery_s) {
      m.set("recovery", std::max(m.get("recovery").value_or(0), *o.recovery_s));
      if (!o.worst_recovery_flow.empty()) {
        result_.notes.push_back(fmt::format("slowest recovery {:.2f} s: {}", *o.recovery_s, o.worst_recovery_flow));
      }
    } else {
      std::string list;
      for (const auto& f : o.unrecovered) list += (list.empty() ? "" : ", ") + f;
      result_.notes.push_back("flows that never came back after a disruptive event: " + list);
      recovery_failed_ = true;
    }
  }
}

void Run::measure() {
  scenario::Measurements& m = result_.measurements;
  // Conntrack state while the flows are still open.
  for (const Node& n : topo_.nodes()) {
    m.set("assured", n.label, conntrack_assured(n, kTunnelPort, topo_.ipv6()) ? 1 : 0);
  }
  d_.client.signal(SIGUSR1);
  d_.server.signal(SIGUSR1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // The stats of the run itself, before shutdown adds its own resets.
  double resets = 0;
  std::optional<double> reconnects;
  read_daemon_stats(read_file(work("client.log")), "client", result_, resets, reconnects);
  read_daemon_stats(read_file(work("server.log")), "server", result_, resets, reconnects);
  if (o_.tunnel.kind == TunnelKind::kPhantasm) m.set("resets", resets);
  if (reconnects) m.set("reconnects", *reconnects);
  d_.probe.stop();
  for (Process& p : d_.traffic) p.stop();
  d_.client.stop();
  d_.server.stop();
  d_.sink.stop();
  for (auto& [name, relay] : d_.relays) {
    relay.stop();
    const std::string stats = read_file(work("relay-" + name + ".json"));
    if (!stats.empty()) result_.notes.push_back("relay " + name + ": " + nlohmann::json::parse(stats).dump());
  }
  double leaked = 0;
  std::string invalid_note = "INVALID per namespace:";
  for (const Node& n : topo_.nodes()) {
    const uint64_t nft_invalid = nft_counter(n, "invalid");
    const uint64_t stat_invalid = conntrack_stat_invalid(n);
    m.set("invalid", n.label, static_cast<double>(std::max(nft_invalid, stat_invalid)));
    invalid_note += " " + n.label + " " + std::to_string(std::max(nft_invalid, stat_invalid));
    leaked += static_cast<double>(nft_counter(n, "leaked"));
  }
  result_.notes.push_back(invalid_note);
  m.set("leaked", leaked);
  count_traffic();
  if (!disruption_ns_.empty()) {
    const auto probe = read_probe_json(work("probe.json"));
    double worst = 0;
    bool recovered = probe.has_value();
    for (int64_t t : disruption_ns_) {
      const auto r = probe ? recovery_seconds(*probe, t, 3000000000) : std::nullopt;
      if (!r) recovered = false;
      else worst = std::max(worst, *r);
    }
    if (recovered) m.set("recovery", worst);
    else {
      result_.notes.push_back("the probe flow never came back after a disruptive event");
      recovery_failed_ = true;
    }
  }
  // The captures last: everything they saw is in.
  for (auto& [label, capture] : d_.captures) capture.stop(15000);
  read_captures();
  if (recovery_failed_) m.erase("recovery");
}

RunResult Run::execute() {
  const auto started = std::chrono::steady_clock::now();
  result_.scenario = s_.name;
  result_.tunnel = o_.tunnel.name;
  try {
    set_up();
    start_processes();
    drive();
    measure();
  } catch (const std::exception& e) {
    result_.error = e.what();
  }
  result_.judgement = scenario::judge(s_.expect, result_.measurements);
  if (!result_.error.empty()) {
    result_.judgement.observed = scenario::Verdict::kFail;
    result_.judgement.as_expected = false;
  }
  // Processes go first (their destructors stop them by PID), then the namespaces.
  d_ = Daemons{};
  result_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const bool keep = o_.keep_logs || !result_.judgement.as_expected;
  if (!work_dir_.empty() && !keep) std::filesystem::remove_all(work_dir_);
  else result_.work_dir = work_dir_;
  return result_;
}

}  // namespace

RunResult run_scenario(const scenario::Scenario& s, const RunOptions& options) {
  Run run(s, options);
  return run.execute();
}

}  // namespace phantasm::netns
