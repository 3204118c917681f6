#include "apps/daemons/status_report.h"

#include "apps/daemons/stats_line.h"

namespace phantasm::daemons {
namespace {

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

// Seconds since `t`, or null for a time that never happened.
nlohmann::json seconds_since(Time now, Time t) {
  if (t.is_never() || t > now) return nullptr;
  return seconds(now - t);
}

nlohmann::json direction(uint64_t datagrams, uint64_t bytes) {
  return {{"datagrams", datagrams}, {"bytes", bytes}};
}

nlohmann::json flow_json(size_t worker, const FlowSnapshot& f, Time now) {
  nlohmann::json drops = nlohmann::json::object();
  for (size_t i = 0; i < kDropReasonCount; ++i) {
    auto reason = static_cast<DropReason>(i);
    if (f.drops[reason] > 0) drops[std::string(to_string(reason))] = f.drops[reason];
  }
  return {
      {"worker", worker},
      {"local", f.info.tuple.local.to_string()},
      {"remote", f.info.tuple.remote.to_string()},
      {"udp_peer", f.info.udp_peer ? nlohmann::json(f.info.udp_peer->to_string()) : nullptr},
      {"peer_kind", std::string(to_string(f.peer_kind))},
      {"state", std::string(to_string(f.state))},
      {"age_s", seconds_since(now, f.opened)},
      // Since the last datagram either way (the opening, for a flow that carried none yet).
      {"idle_s", seconds_since(now, f.last_datagram)},
      {"udp_to_tcp", direction(f.traffic.datagrams_sent, f.traffic.bytes_sent)},
      {"tcp_to_udp", direction(f.traffic.datagrams_delivered, f.traffic.bytes_delivered)},
      {"drops", drops},
  };
}

}  // namespace

nlohmann::json status_json(const StatusInputs& in) {
  nlohmann::json flows = nlohmann::json::array();
  linux_host::WorkerSnapshot sum;
  for (size_t w = 0; w < in.workers.size(); ++w) {
    accumulate(sum, in.workers[w].counters);
    for (const FlowSnapshot& f : in.workers[w].flows) flows.push_back(flow_json(w, f, in.now));
  }
  const auto& e = sum.engine;
  const auto& h = sum.host;
  nlohmann::json drops = nlohmann::json::object();
  for (const auto& [name, value] : named_drops(sum, in.tun_link)) drops[std::string(name)] = value;
  nlohmann::json totals = {
      {"flows", sum.flows},
      {"half_open", sum.half_open},
      {"opened", e.flows_opened},
      {"closed", e.flows_closed},
      {"udp_to_tcp", direction(e.traffic.datagrams_sent, e.traffic.bytes_sent)},
      {"tcp_to_udp", direction(e.traffic.datagrams_delivered, e.traffic.bytes_delivered)},
      {"tun_read", h.tun_packets_read},
      {"tun_written", h.tun_packets_written},
      {"udp_in", h.udp_datagrams_received},
      {"udp_out", h.udp_datagrams_sent},
      {"resets_in", e.resets_received},
      {"resets_out", e.resets_sent},
      {"pure_acks_in", e.traffic.pure_acks_received},
      {"pure_acks_out", e.traffic.pure_acks_sent},
      {"phantasm_peers", e.phantasm_peers},
      {"path_mtu_reported", e.path_mtu_reported},
      {"handoffs", h.handoffs},
      {"drops", drops},
  };
  return {
      {"schema", kStatusSchema},
      {"program", in.program},
      {"version", in.version},
      {"pid", in.pid},
      {"role", in.role == Role::kClient ? "client" : "server"},
      {"tun", in.tun},
      {"uptime_s", seconds(in.now.since_epoch)},
      {"workers", in.workers.size()},
      {"flows", flows},
      {"totals", totals},
  };
}

}  // namespace phantasm::daemons
