#include "bench/netns/trial.h"

#include <chrono>
#include <fstream>
#include <sstream>

#include "bench/netns/host_stats.h"
#include "bench/netns/interrupt.h"

namespace phantasm::bench {
namespace {

constexpr int kReadyTimeoutMs = 10000;
// udp2raw and Phantun print nothing we key on: give them time for their TUN / handshake.
constexpr int kForeignStartMs = 2000;

std::string tail(const std::string& path, size_t bytes = 600) {
  const std::string text = netns::read_file(path);
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

bool log_has(const std::string& path, const std::string& marker) {
  return netns::read_file(path).find(marker) != std::string::npos;
}

std::string last_line_with(const std::string& path, const std::string& marker) {
  std::istringstream in(netns::read_file(path));
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.find(marker) != std::string::npos) last = line;
  }
  return last;
}

void wait_for_log(netns::Process& p, const std::string& marker, const std::string& what) {
  for (int waited = 0; !log_has(p.log_path(), marker); waited += 50) {
    if (!p.running() || waited >= kReadyTimeoutMs) {
      throw std::runtime_error(what + " did not start: " + tail(p.log_path()));
    }
    sleep_checked(50);
  }
}

double loadavg1() {
  std::ifstream in("/proc/loadavg");
  double one = 0;
  in >> one;
  return one;
}

long long at(const Json& j, std::initializer_list<const char*> path) {
  const Json* node = &j;
  for (const char* key : path) {
    if (!node->is_object() || !node->contains(key)) return 0;
    node = &(*node)[key];
  }
  return node->is_number() ? node->get<long long>() : 0;
}

Json snapshot(const Namespaces& ns) {
  return Json{{"client", namespace_counters(ns.client)},
              {"router", namespace_counters(ns.router)},
              {"server", namespace_counters(ns.server)},
              {"machine", machine_counters()}};
}

// Where the datagrams the sender sent and the receiver never got were dropped, as far as the
// kernel counts it. In -R the path is iperf3 -s (server ns) -> [tunnel server -> TUN ->] veths
// and the router -> [TUN -> tunnel client ->] iperf3 -c (client ns).
Json loss_locations(const Json& d, long long missing) {
  const long long server_rcvbuf = at(d, {"server", "udp", "RcvbufErrors"});
  const long long server_inerr = at(d, {"server", "udp", "InErrors"}) - server_rcvbuf;
  const long long client_rcvbuf = at(d, {"client", "udp", "RcvbufErrors"});
  const long long client_inerr = at(d, {"client", "udp", "InErrors"}) - client_rcvbuf;
  const long long server_tun = at(d, {"server", "links", kTunName, "rx_dropped"}) +
                               at(d, {"server", "links", kTunName, "tx_dropped"});
  const long long client_tun = at(d, {"client", "links", kTunName, "tx_dropped"}) +
                               at(d, {"client", "links", kTunName, "rx_dropped"});
  long long veth = 0;
  for (const VethEnd& v : veth_ends()) {
    veth += at(d, {v.role.c_str(), "links", v.device.c_str(), "rx_dropped"}) +
            at(d, {v.role.c_str(), "links", v.device.c_str(), "tx_dropped"});
  }
  const long long softnet = at(d, {"machine", "softnet_dropped"});
  const long long counted =
      server_rcvbuf + server_inerr + server_tun + veth + softnet + client_tun + client_rcvbuf + client_inerr;
  return Json{{"server_udp_rcvbuf", server_rcvbuf},
              {"server_udp_other_in_errors", server_inerr},
              {"server_tun_dropped", server_tun},
              {"veth_dropped", veth},
              {"softnet_backlog_dropped", softnet},
              {"client_tun_dropped", client_tun},
              {"client_udp_rcvbuf", client_rcvbuf},
              {"client_udp_other_in_errors", client_inerr},
              {"unattributed", missing > counted ? missing - counted : 0},
              {"missing", missing},
              {"server_udp_sndbuf", at(d, {"server", "udp", "SndbufErrors"})}};
}

Json cpu_row(const Json& d, double tunnel_client, double tunnel_server, double iperf_server,
             const IperfResult& r, double elapsed) {
  const double gb = static_cast<double>(r.received_bytes) / 1e9;
  const double busy = d["machine"].value("busy", 0.0);
  const double capacity = d["machine"].value("total", 0.0);
  const double tunnel = tunnel_client + tunnel_server;
  Json c{{"tunnel_client_s", tunnel_client},
         {"tunnel_server_s", tunnel_server},
         {"tunnel_s", tunnel},
         {"iperf_server_s", iperf_server},
         {"iperf_client_s", r.client_cpu_percent / 100.0 * r.seconds},
         {"machine_busy_s", busy},
         {"machine_softirq_s", d["machine"].value("softirq", 0.0)},
         {"machine_capacity_s", capacity},
         {"machine_busy_percent", capacity > 0 ? 100.0 * busy / capacity : 0.0},
         {"elapsed_s", elapsed}};
  c["tunnel_s_per_gb"] = gb > 0 ? Json(tunnel / gb) : Json();
  c["machine_s_per_gb"] = gb > 0 ? Json(busy / gb) : Json();
  return c;
}

}  // namespace

TunnelSession::TunnelSession(const BenchTopology& topology, const ModeSpec& mode, const std::string& log_prefix)
    : topology_(topology), mode_(mode) {
  for (const RuleSpec& r : mode_.rules) rules_.add(topology_.by_role(r.role), "ip", r.table, r.script);
  if (mode_.client.empty()) return;
  server_ = netns::Process::start(topology_.ns().server, mode_.server, log_prefix + "-server.log", false, mode_.env);
  if (!mode_.server_ready.empty()) wait_for_log(server_, mode_.server_ready, mode_.label + " server");
  client_ = netns::Process::start(topology_.ns().client, mode_.client, log_prefix + "-client.log", false, mode_.env);
  if (!mode_.client_ready.empty()) wait_for_log(client_, mode_.client_ready, mode_.label + " client");
  if (mode_.client_ready.empty()) sleep_checked(kForeignStartMs);
  check_alive();
}

TunnelSession::~TunnelSession() {
  if (!stopped_) stop();
}

void TunnelSession::check_alive() {
  if (mode_.client.empty()) return;
  if (!server_.running()) throw std::runtime_error(mode_.label + " server exited: " + tail(server_.log_path()));
  if (!client_.running()) throw std::runtime_error(mode_.label + " client exited: " + tail(client_.log_path()));
}

Json TunnelSession::stop() {
  stopped_ = true;
  if (mode_.client.empty()) return Json::object();
  const int client_status = client_.stop();
  const int server_status = server_.stop();
  // Phantasm logs its counters ("stats: ...") when it exits: the tunnel's own view of drops.
  return Json{{"client_exit", client_status},
              {"server_exit", server_status},
              {"client_stats", last_line_with(client_.log_path(), "stats:")},
              {"server_stats", last_line_with(server_.log_path(), "stats:")}};
}

Json run_trial(const BenchTopology& topology, TunnelSession& session, const TrialRequest& request) {
  const Namespaces& ns = topology.ns();
  const IperfShape& shape = request.shape;
  netns::Process iperf_server =
      netns::Process::start(ns.server, with_nice(request.nice, iperf_server_command()), request.log_path + ".iperf-server.log");
  for (int waited = 0;; waited += 50) {
    const auto r = netns::run_in(ns.server, {"ss", "-Htln", "sport = :" + std::to_string(kIperfPort)});
    if (r.status == 0 && !r.output.empty()) break;
    if (waited > 5000 || !iperf_server.running()) throw std::runtime_error("iperf3 -s did not start");
    sleep_checked(50);
  }
  session.check_alive();

  const double load = loadavg1();
  const Json before = snapshot(ns);
  const double client_cpu0 = process_cpu_seconds(session.client_pid());
  const double server_cpu0 = process_cpu_seconds(session.server_pid());
  const double iperf_cpu0 = process_cpu_seconds(iperf_server.pid());
  const auto t0 = std::chrono::steady_clock::now();

  netns::Process client = netns::Process::start(ns.client, with_nice(request.nice, iperf_client_command(shape)), request.log_path);
  // iperf3 before 3.16 runs every stream in one thread: sampled mid-test, as evidence.
  sleep_checked(shape.seconds * 500);
  const int sender_threads = process_threads(iperf_server.pid());
  const int receiver_threads = process_threads(client.pid());
  const int status = client.wait((shape.seconds + 30) * 1000);

  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const Json after = snapshot(ns);
  const double client_cpu = process_cpu_seconds(session.client_pid()) - client_cpu0;
  const double server_cpu = process_cpu_seconds(session.server_pid()) - server_cpu0;
  const double iperf_cpu = process_cpu_seconds(iperf_server.pid()) - iperf_cpu0;
  iperf_server.stop();

  const IperfResult r = parse_iperf_json(netns::read_file(request.log_path));
  const Json delta = counter_delta(before, after);
  const bool tunnel = !session.mode().client.empty();
  Json row{{"mode", session.mode().name},
           {"label", session.mode().label},
           {"streams", shape.streams},
           {"rate_per_stream", shape.rate_per_stream},
           {"length", shape.length},
           {"seconds", shape.seconds},
           {"load_before", load},
           {"iperf_exit", status},
           {"error", r.error.empty() && status != 0 ? "iperf3 exited with " + std::to_string(status) : r.error},
           {"sender_mbps", r.sender_mbps},
           {"receiver_mbps", r.receiver_mbps},
           {"loss_percent", r.loss_percent},
           {"sent_packets", r.sent_packets},
           {"received_packets", r.expected_packets - r.lost_packets},
           {"lost_packets", r.lost_packets},
           {"received_bytes", r.received_bytes},
           {"iperf_sender_threads", sender_threads},
           {"iperf_receiver_threads", receiver_threads}};
  row["cpu"] = cpu_row(delta, tunnel ? client_cpu : 0.0, tunnel ? server_cpu : 0.0, iperf_cpu, r, elapsed);
  row["where_lost"] = loss_locations(delta, r.sent_packets - (r.expected_packets - r.lost_packets));
  row["ip_fragments"] = at(delta, {"client", "ip", "FragCreates"}) + at(delta, {"server", "ip", "FragCreates"}) +
                        at(delta, {"router", "ip", "FragCreates"}) + at(delta, {"client", "ip", "ReasmReqds"}) +
                        at(delta, {"server", "ip", "ReasmReqds"});
  row["counters"] = delta;
  return row;
}

}  // namespace phantasm::bench
