#include "sim/helper/sim_run.h"

#include <fmt/format.h>

#include <chrono>
#include <memory>

#include "harness/scenario/units.h"
#include "harness/traffic/tool/size_distribution.h"
#include "harness/traffic/tool/units.h"
#include "ns3/simulator.h"
#include "sim/helper/traffic_plan.h"
#include "sim/model/connection_ledger.h"
#include "sim/model/echo_sink.h"
#include "sim/model/engine_host.h"
#include "sim/model/flow_arrivals.h"
#include "sim/model/flow_group_sender.h"
#include "sim/model/recovery_probe.h"

namespace phantasm::sim {
namespace {

using namespace std::chrono_literals;

// The netns runner's timing: the probe gets a second before the scenario clock starts, every
// sender run warms its flows up for 2 s (their handshakes happen before counting, after an idle
// period too), echoed runs wait 3 s for the last answers, recovery counts an outage that starts
// within 3 s of its event.
constexpr Duration kScenarioStart = 1s;
constexpr Duration kWarmup = 2s;
constexpr Duration kGrace = 3s;
constexpr Duration kRecoverySlack = 3s;
constexpr Duration kMeasureMargin = 500ms;
// A restarted daemon is not there the instant it is started: the process starts, creates and
// configures its TUN, binds its sockets. The netns runner does not wait for it after a restart.
constexpr Duration kDaemonStartup = 50ms;

ns3::Time at(Duration d) { return ns3::NanoSeconds(d.count()); }
Duration of(scenario::Millis ms) { return std::chrono::duration_cast<Duration>(ms); }
double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

std::string counters_note(const std::string& label, const NodeCounters& c) {
  std::string s = label + ": received " + std::to_string(c.received) + ", forwarded " + std::to_string(c.forwarded) +
                  ", local " + std::to_string(c.delivered_local) + ", invalid " + std::to_string(c.invalid) + ", leaked " +
                  std::to_string(c.leaked);
  auto add = [&s](const char* name, uint64_t v) {
    if (v) s += ", " + std::string(name) + " " + std::to_string(v);
  };
  add("dropped-invalid", c.dropped_invalid);
  add("dropped-not-syn", c.dropped_not_syn);
  add("dropped-ct-count", c.dropped_conn_limit);
  add("dropped-no-route", c.dropped_no_route);
  add("dropped-mtu", c.dropped_mtu);
  add("dropped-ttl", c.dropped_ttl);
  add("dropped-nat", c.dropped_nat);
  add("dropped-clash", c.dropped_clash);
  add("dropped-martian", c.dropped_martian);
  add("kernel-rsts", c.kernel_rsts);
  return s;
}

std::string engine_note(const std::string& who, const EngineHost& e) {
  const EndpointCounters c = e.Counters();
  return who + " engine: flows opened " + std::to_string(c.flows_opened) + ", closed " + std::to_string(c.flows_closed) +
         ", handshakes " + std::to_string(c.handshakes_completed) + "/" + std::to_string(c.handshakes_started) +
         ", resets in " + std::to_string(c.resets_received) + " out " + std::to_string(c.resets_sent) + ", reconnects " +
         std::to_string(c.traffic.reconnects) + ", keepalives " + std::to_string(c.traffic.keepalives_sent) +
         ", beyond peer window " + std::to_string(c.traffic.sent_beyond_peer_window) + ", timer stalls " +
         std::to_string(e.TimerStalls());
}

class Run {
 public:
  Run(const scenario::Scenario& s, const SimRunOptions& o)
      : s_(s), o_(o), topo_(s, o.links, o.pcap_dir, o.pcap_snaplen), rng_(s.seed ^ 0x53494D52554Eull) {}

  SimRunResult execute();

 private:
  void say(const std::string& line) const {
    if (o_.progress) o_.progress(line);
  }
  void start_daemons();
  void schedule_traffic();
  void schedule_events();
  void fire(const scenario::Event& e);
  void measure();
  void count_traffic();

  const scenario::Scenario& s_;
  const SimRunOptions& o_;
  SimTopology topo_;
  Rng rng_;
  ns3::Ptr<EngineHost> client_;
  ns3::Ptr<EngineHost> server_;
  FlowArrivals arrivals_;
  ConnectionLedger ledger_{kTunnelPort};
  std::unique_ptr<EchoSink> sink_;
  std::unique_ptr<RecoveryProbe> probe_;
  std::vector<std::unique_ptr<FlowGroupSender>> senders_;
  std::vector<phantasm::Time> disruptions_;
  Duration end_{0};
  SimRunResult result_;
};

void Run::start_daemons() {
  const bool v6 = topo_.ipv6();
  EngineConfig client;
  client.role = Role::kClient;
  client.local_v4 = IpAddress::v4({192, 168, 200, 2});
  client.local_v6 = IpAddress::parse("fcc8::2");
  client.remote = topo_.server_endpoint();
  client.max_datagram = 1500 - (v6 ? 60 : 40);  // the daemons' --mtu 1500 TUN
  EngineConfig server;
  server.role = Role::kServer;
  server.listen_ports = {kTunnelPort};
  server.max_datagram = 1460;

  server_ = ns3::CreateObject<EngineHost>();
  client_ = ns3::CreateObject<EngineHost>();
  sink_ = std::make_unique<EchoSink>(server_, arrivals_);
  EngineHost::Listener to_sink;
  to_sink.datagram = [this](FlowId flow, const std::optional<SocketAddress>&, std::span<const uint8_t> payload) {
    sink_->OnDatagram(flow, payload);
  };
  server_->Setup(server, s_.seed * 31 + 1, topo_.server().linux, SimTopology::kServerTun, to_sink);
  EngineHost::Listener to_apps;
  to_apps.datagram = [this](FlowId, const std::optional<SocketAddress>& peer, std::span<const uint8_t> payload) {
    if (!peer) return;
    probe_->OnDatagram(peer->port, payload);
    for (auto& sender : senders_) {
      if (sender->Owns(peer->port)) sender->OnDatagram(peer->port, payload);
    }
  };
  client_->Setup(client, s_.seed * 31 + 2, topo_.client().linux, SimTopology::kClientTun, to_apps);
  probe_ = std::make_unique<RecoveryProbe>(client_, kProbePort, rng_.next_u32(), arrivals_);

  // The client's uplink, where the netns capture counts reconnects.
  topo_.client().linux->WatchWire(1, [this](std::span<const uint8_t> packet) { ledger_.on_packet(packet); });
  ns3::Simulator::Schedule(ns3::Seconds(0), &EngineHost::Start, server_);
  ns3::Simulator::Schedule(ns3::MilliSeconds(1), &EngineHost::Start, client_);
  ns3::Simulator::Schedule(ns3::MilliSeconds(2), &RecoveryProbe::Start, probe_.get());
}

void Run::schedule_traffic() {
  const std::vector<TrafficRun> plan = plan_traffic(s_);
  for (const TrafficRun& r : plan) {
    const scenario::FlowGroup& g = s_.traffic[r.group];
    SenderSettings set;
    set.session = rng_.next_u32();
    set.flows = g.flows;
    set.first_port = r.first_port;
    set.rate = traffic::parse_rate(g.rate);
    set.sizes = traffic::SizeDistribution::parse(g.size);
    set.warmup = kWarmup;
    set.duration = of(r.length);
    set.echo = g.direction == scenario::Direction::kBoth;
    set.grace = kGrace;
    set.seed = rng_.next_u64();
    set.group = g.name;
    const Duration start = kScenarioStart + of(r.start);
    end_ = std::max(end_, start + set.warmup + set.duration + (set.echo ? set.grace : Duration{0}));
    senders_.push_back(std::make_unique<FlowGroupSender>(std::move(set), client_, arrivals_));
    ns3::Simulator::Schedule(at(start), &FlowGroupSender::Start, senders_.back().get());
  }
  say("traffic: " + std::to_string(plan.size()) + " sender run(s), " + std::to_string(s_.events.size()) + " event(s), " +
      scenario::format_duration(s_.traffic_end()) + " in all");
}

void Run::schedule_events() {
  for (const scenario::Event& e : s_.events) {
    const Duration when = kScenarioStart + of(e.at);
    end_ = std::max(end_, when + of(e.length) + kRecoverySlack);
    ns3::Simulator::Schedule(at(when), [this, &e]() { fire(e); });
  }
}

void Run::fire(const scenario::Event& e) {
  say("event at " + scenario::format_duration(e.at) + ": " + std::string(scenario::to_string(e.kind)) +
      (e.target.empty() ? "" : " " + e.target));
  const phantasm::Time now = Now();
  if (e.disrupts) disruptions_.push_back(now);
  const SimNode* node = topo_.find(e.target);
  switch (e.kind) {
    case scenario::EventKind::kFlushConntrack:
      if (node) node->linux->Model().flush_conntrack();
      break;
    case scenario::EventKind::kRebindNat:
      if (node) {
        std::optional<PortSpan> ports;
        if (e.ports) ports = PortSpan{e.ports->first, e.ports->last};
        node->linux->Model().rebind_source_nat(ports);
      }
      break;
    case scenario::EventKind::kRestartServer:
    case scenario::EventKind::kRestartClient: {
      ns3::Ptr<EngineHost> daemon = e.kind == scenario::EventKind::kRestartServer ? server_ : client_;
      daemon->Stop();
      ns3::Simulator::Schedule(at(of(e.length) + kDaemonStartup), &EngineHost::Start, daemon);
      break;
    }
    case scenario::EventKind::kInjectRst:
      if (node) node->linux->TriggerPipeline();
      break;
    case scenario::EventKind::kIdle:
      break;  // the traffic plan already pauses
  }
}

void Run::count_traffic() {
  uint64_t sent = 0, delivered = 0, corrupted = 0, duplicated = 0;
  for (const auto& sender : senders_) {
    sent += sender->Sent();
    const traffic::TrafficCounts c = sender->Echo() ? sender->Echoed() : sink_->SessionCounts(sender->Session());
    result_.groups.push_back({sender->Group(), sender->Sent(), sender->SentBytes(), c.delivered, c.delivered_bytes,
                              c.first_arrival_ns, c.last_arrival_ns});
    delivered += c.delivered;
    corrupted += c.corrupted;
    duplicated += c.duplicated;
  }
  scenario::Measurements& m = result_.measurements;
  m.set("lost", static_cast<double>(sent - std::min(sent, delivered)));
  m.set("delivered", sent ? static_cast<double>(delivered) / static_cast<double>(sent) : 0.0);
  m.set("corrupted", static_cast<double>(corrupted));
  m.set("duplicated", static_cast<double>(duplicated));
  result_.datagrams = sent;
  result_.notes.push_back("datagrams sent " + std::to_string(sent) + ", delivered " + std::to_string(delivered) +
                          ", corrupted " + std::to_string(corrupted) + ", duplicated " + std::to_string(duplicated));
}

void Run::measure() {
  const phantasm::Time now = Now();
  scenario::Measurements& m = result_.measurements;
  double leaked = 0;
  WireCounts wires;
  for (const SimNode& n : topo_.nodes()) {
    wires += n.linux->Wire();
    const NetfilterNode& model = n.linux->Model();
    m.set("assured", n.label, model.has_assured(kTunnelPort, now) ? 1 : 0);
    m.set("invalid", n.label, static_cast<double>(model.counters().invalid));
    leaked += static_cast<double>(model.counters().leaked);
    result_.packets += model.counters().received;
    result_.notes.push_back(counters_note(n.label, model.counters()));
    if (const middlebox::Pipeline* p = n.linux->Pipeline()) {
      for (const auto& model_ptr : p->models()) {
        const middlebox::ModelCounters& c = model_ptr->counters();
        result_.notes.push_back(n.label + " " + std::string(model_ptr->name()) + ": seen " + std::to_string(c.seen) +
                                ", passed " + std::to_string(c.passed) + ", rewritten " + std::to_string(c.rewritten) +
                                ", dropped " + std::to_string(c.dropped) + ", injected " + std::to_string(c.injected));
      }
    }
  }
  // As the netns runner: the nft leak counters, or the captures on both ends of every link.
  m.set("leaked", std::max(leaked, static_cast<double>(wires.leaked)));
  m.set("malformed", static_cast<double>(wires.malformed()));
  result_.notes.push_back("wires: " + std::to_string(wires.packets) + " packets (both ends of every link), bad IP checksum " +
                          std::to_string(wires.bad_ip_checksum) + ", bad TCP checksum " + std::to_string(wires.bad_tcp_checksum) +
                          ", no flags " + std::to_string(wires.no_flags) + ", FIN without ACK " +
                          std::to_string(wires.fin_without_ack) + ", TUN-private sources " + std::to_string(wires.leaked));
  m.set("resets", static_cast<double>(client_->Counters().resets_received + server_->Counters().resets_received));
  // As the netns runner counts them on the client's wire: answered handshakes carrying a flow
  // an earlier connection carried (the engine's own count includes refused attempts).
  m.set("reconnects", static_cast<double>(ledger_.reconnects()));
  result_.notes.push_back(engine_note("client", *client_));
  result_.notes.push_back(engine_note("server", *server_));
  count_traffic();
  if (!disruptions_.empty()) {
    double worst = 0;
    bool recovered = true;
    for (const phantasm::Time t : disruptions_) {
      const auto r = probe_->Recovery(t, kRecoverySlack);
      if (!r) recovered = false;
      else worst = std::max(worst, *r);
    }
    if (recovered) m.set("recovery", worst);
    else result_.notes.push_back("the probe flow never came back after a disruptive event");
  }
  // Every flow, the probe's and the traffic's, at the sink and back at the senders.
  const FlowArrivals::Outage o = arrivals_.outage(disruptions_, kRecoverySlack);
  m.set("gap", o.longest_gap);
  if (!o.longest_gap_flow.empty()) {
    result_.notes.push_back(fmt::format("longest silence {:.2f} s: {}", o.longest_gap, o.longest_gap_flow));
  }
  if (!disruptions_.empty()) {
    if (o.recovery) {
      m.set("recovery", std::max(m.get("recovery").value_or(0), *o.recovery));
      if (!o.worst_recovery_flow.empty()) {
        result_.notes.push_back(fmt::format("slowest recovery {:.2f} s: {}", *o.recovery, o.worst_recovery_flow));
      }
    } else {
      std::string list;
      for (const auto& f : o.unrecovered) list += (list.empty() ? "" : ", ") + f;
      result_.notes.push_back("flows that never came back after a disruptive event: " + list);
    }
  }
  probe_->Stop();
}

SimRunResult Run::execute() {
  const auto started = std::chrono::steady_clock::now();
  result_.scenario = s_.name;
  try {
    start_daemons();
    schedule_traffic();
    schedule_events();
    end_ = std::max(end_, kScenarioStart + of(s_.traffic_end())) + kMeasureMargin;
    ns3::Simulator::Schedule(at(end_), [this]() {
      measure();
      ns3::Simulator::Stop();
    });
    ns3::Simulator::Run();
    result_.simulated_seconds = seconds(end_);
  } catch (const std::exception& e) {
    result_.error = e.what();
  }
  ns3::Simulator::Destroy();
  result_.judgement = scenario::judge(s_.expect, result_.measurements);
  if (!result_.error.empty()) {
    result_.judgement.observed = scenario::Verdict::kFail;
    result_.judgement.as_expected = false;
  }
  result_.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result_;
}

}  // namespace

SimRunResult run_in_sim(const scenario::Scenario& s, const SimRunOptions& options) {
  Run run(s, options);
  return run.execute();
}

}  // namespace phantasm::sim
