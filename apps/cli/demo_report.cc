#include "apps/cli/demo_report.h"

#include <nlohmann/json.hpp>

#include <string_view>
#include <utility>
#include <vector>

#include "harness/memwire/simulation.h"

namespace phantasm::cli {
namespace {

using memwire::Direction;
using memwire::index;

double seconds(Duration d) { return static_cast<double>(d.count()) / 1e9; }

void datagram_row(std::FILE* out, const char* label, const memwire::ProbeCounts& c) {
  std::fprintf(out, "  %-18s %8llu %10llu %6llu %10llu %11llu %10llu\n", label,
               static_cast<unsigned long long>(c.sent), static_cast<unsigned long long>(c.delivered),
               static_cast<unsigned long long>(c.lost()), static_cast<unsigned long long>(c.corrupted),
               static_cast<unsigned long long>(c.duplicated), static_cast<unsigned long long>(c.reordered));
}

// The engine counters worth a line each, in the order a reader follows a packet.
std::vector<std::pair<const char*, uint64_t EndpointCounters::*>> endpoint_rows() {
  return {
      {"IP packets sent", &EndpointCounters::packets_sent},
      {"IP packets received", &EndpointCounters::packets_received},
      {"datagrams from local UDP", &EndpointCounters::datagrams_received},
      {"handshakes started", &EndpointCounters::handshakes_started},
      {"handshakes completed", &EndpointCounters::handshakes_completed},
      {"SYN/SYN-ACK retransmits", &EndpointCounters::handshake_retransmits},
      {"RSTs sent", &EndpointCounters::resets_sent},
  };
}

std::vector<std::pair<const char*, uint64_t TrafficCounters::*>> traffic_rows() {
  return {
      {"datagrams sent as segments", &TrafficCounters::datagrams_sent},
      {"datagrams delivered", &TrafficCounters::datagrams_delivered},
      {"pure ACKs sent", &TrafficCounters::pure_acks_sent},
      {"keepalives sent", &TrafficCounters::keepalives_sent},
      {"sent beyond peer's window", &TrafficCounters::sent_beyond_peer_window},
  };
}

void counter_row(std::FILE* out, const char* label, uint64_t client, uint64_t server) {
  std::fprintf(out, "  %-30s %10llu %10llu\n", label, static_cast<unsigned long long>(client),
               static_cast<unsigned long long>(server));
}

nlohmann::json counts_json(const memwire::ProbeCounts& c) {
  return {{"sent", c.sent},
          {"delivered", c.delivered},
          {"unique", c.unique},
          {"lost", c.lost()},
          {"corrupted", c.corrupted},
          {"duplicated", c.duplicated},
          {"reordered", c.reordered},
          {"misrouted", c.misrouted}};
}

nlohmann::json endpoint_json(const EndpointCounters& e) {
  nlohmann::json j;
  for (const auto& [label, field] : endpoint_rows()) j[label] = e.*field;
  for (const auto& [label, field] : traffic_rows()) j[label] = e.traffic.*field;
  nlohmann::json drops = nlohmann::json::object();
  for (size_t r = 0; r < kDropReasonCount; ++r) {
    const auto reason = static_cast<DropReason>(r);
    if (e.drops[reason] != 0) drops[std::string(to_string(reason))] = e.drops[reason];
  }
  j["drops"] = drops;
  return j;
}

}  // namespace

void print_demo_report(const DemoResult& r, std::FILE* out) {
  const DemoOptions& o = r.options;
  std::fprintf(out, "Phantasm demo: client and server engines back to back on an in-memory wire (virtual time)\n\n");
  std::fprintf(out, "Setup\n");
  std::fprintf(out, "  client   fake-TCP from 192.168.200.2, %zu UDP peers (127.0.0.1:20000 and up)\n", o.flows);
  std::fprintf(out, "  server   192.168.201.2:%u, answers every datagram with one of the same size\n",
               unsigned{memwire::kServerPort});
  std::fprintf(out, "  path     %.1f ms one way, jitter up to %.1f ms (reorders), %.1f%% loss each way, seed %llu\n",
               o.delay_ms, o.jitter_ms, o.loss * 100, static_cast<unsigned long long>(o.seed));
  std::fprintf(out, "  traffic  %zu datagrams of %zu bytes per peer, one every %.1f ms; %.2f s simulated\n\n",
               o.datagrams, o.size, o.interval_ms, seconds(r.ran_for));

  std::fprintf(out, "Datagrams              sent  delivered   lost  corrupted  duplicated  reordered\n");
  datagram_row(out, "client -> server", r.up);
  datagram_row(out, "server -> client", r.down);
  const auto& up_net = r.network[index(Direction::kClientToServer)];
  const auto& down_net = r.network[index(Direction::kServerToClient)];
  std::fprintf(out,
               "  The network lost %llu and %llu packets (any kind) and duplicated %llu and %llu; the tunnel\n"
               "  passes loss and reordering through as they happen (no retransmission, no reordering).\n\n",
               static_cast<unsigned long long>(up_net.lost + up_net.queue_dropped),
               static_cast<unsigned long long>(down_net.lost + down_net.queue_dropped),
               static_cast<unsigned long long>(up_net.duplicated), static_cast<unsigned long long>(down_net.duplicated));

  std::fprintf(out, "Flows: %zu open on the client, %zu on the server (one fake-TCP connection per UDP peer)\n\n",
               r.client_flows, r.server_flows);

  std::fprintf(out, "Engine counters                    client     server\n");
  for (const auto& [label, field] : endpoint_rows()) counter_row(out, label, r.client.*field, r.server.*field);
  for (const auto& [label, field] : traffic_rows()) {
    counter_row(out, label, r.client.traffic.*field, r.server.traffic.*field);
  }
  counter_row(out, "drops (inputs refused)", r.client.drops.total(), r.server.drops.total());
  for (size_t i = 0; i < kDropReasonCount; ++i) {
    const auto reason = static_cast<DropReason>(i);
    if (r.client.drops[reason] == 0 && r.server.drops[reason] == 0) continue;
    const std::string label = std::string("  ").append(to_string(reason));
    counter_row(out, label.c_str(), r.client.drops[reason], r.server.drops[reason]);
  }

  std::fprintf(out, "\nFirst %zu packets on the wire, as each end sent them (seconds, direction, tuple, TCP)\n",
               r.trace.size());
  for (const auto& p : r.trace) std::fprintf(out, "  %s\n", memwire::format(p).c_str());

  std::fprintf(out, "\n");
  if (!r.healthy()) {
    std::fprintf(out, "FAULT: corrupted, misrouted or mixed-up datagrams, or a stuck engine timer (see above)\n");
  } else if (r.up.lost() == 0 && r.down.lost() == 0 && r.up.sent > 0) {
    std::fprintf(out, "All datagrams delivered both ways (%llu up, %llu down), none corrupted.\n",
                 static_cast<unsigned long long>(r.up.sent), static_cast<unsigned long long>(r.down.sent));
  } else {
    std::fprintf(out, "No datagram corrupted or misrouted; %llu up and %llu down lost with the packets that carried them.\n",
                 static_cast<unsigned long long>(r.up.lost()), static_cast<unsigned long long>(r.down.lost()));
  }
}

std::string demo_json(const DemoResult& r) {
  const DemoOptions& o = r.options;
  nlohmann::json j;
  j["options"] = {{"flows", o.flows},         {"datagrams", o.datagrams}, {"size", o.size},
                  {"interval_ms", o.interval_ms}, {"delay_ms", o.delay_ms},   {"jitter_ms", o.jitter_ms},
                  {"loss", o.loss},           {"seed", o.seed}};
  j["simulated_seconds"] = seconds(r.ran_for);
  j["datagrams"] = {{"client_to_server", counts_json(r.up)}, {"server_to_client", counts_json(r.down)}};
  nlohmann::json network;
  for (Direction dir : {Direction::kClientToServer, Direction::kServerToClient}) {
    const auto& n = r.network[index(dir)];
    network[dir == Direction::kClientToServer ? "client_to_server" : "server_to_client"] = {
        {"packets_lost", n.lost + n.queue_dropped}, {"packets_duplicated", n.duplicated}};
  }
  j["network"] = network;
  j["flows"] = {{"client", r.client_flows}, {"server", r.server_flows}};
  j["engine"] = {{"client", endpoint_json(r.client)}, {"server", endpoint_json(r.server)}};
  nlohmann::json trace = nlohmann::json::array();
  for (const auto& p : r.trace) {
    nlohmann::json t = {{"t", seconds(p.at.since_epoch)}, {"dir", std::string(memwire::to_string(p.dir))}};
    if (p.parsed) {
      t["src"] = p.tuple.local.to_string();
      t["dst"] = p.tuple.remote.to_string();
      t["flags"] = memwire::tcp_flags_string(p.flags);
      t["seq"] = p.seq;
      t["ack"] = p.ack;
      t["win"] = p.window;
      t["len"] = p.payload_len;
      t["wscale"] = p.window_scale ? nlohmann::json(*p.window_scale) : nlohmann::json(nullptr);
      t["phantasm_hello"] = p.phantasm_hello;
    }
    trace.push_back(t);
  }
  j["trace"] = trace;
  j["healthy"] = r.healthy();
  j["all_delivered"] = r.up.sent > 0 && r.up.lost() == 0 && r.down.lost() == 0;
  return j.dump(2);
}

}  // namespace phantasm::cli
