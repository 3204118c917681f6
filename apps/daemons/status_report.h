// What `phantasm status` receives from a daemon: one JSON document built from the workers'
// snapshots (taken on their own threads) and the TUN's kernel counters. The totals are the
// stats line's counters under the same names (stats_line.h); drops are listed by reason.
//
//   {"schema": 1, "program", "version", "pid", "role", "tun", "uptime_s", "workers",
//    "flows": [{"worker", "local", "remote", "udp_peer" (client; null on the server),
//               "peer_kind", "state", "age_s", "idle_s", "udp_to_tcp": {"datagrams", "bytes"},
//               "tcp_to_udp": {...}, "drops": {"reason": n}}],
//    "totals": {"flows", "half_open", "opened", "closed", "udp_to_tcp", "tcp_to_udp",
//               "tun_read", "tun_written", "udp_in", "udp_out", "resets_in", "resets_out",
//               "pure_acks_in", "pure_acks_out", "phantasm_peers", "handoffs",
//               "drops": {"reason": n}}}
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "engine/endpoint/endpoint.h"
#include "harness/linux/rtnetlink.h"
#include "harness/linux/worker.h"

namespace phantasm::daemons {

inline constexpr int kStatusSchema = 1;

struct WorkerStatus {
  linux_host::WorkerSnapshot counters;
  std::vector<FlowSnapshot> flows;
};

struct StatusInputs {
  std::string program;
  std::string version;
  Role role = Role::kClient;
  std::string tun;
  long pid = 0;
  Time now;  // engine time (the daemon's epoch): flows' ages are measured against it
  std::vector<WorkerStatus> workers;
  std::optional<linux_host::LinkStats> tun_link;
};

nlohmann::json status_json(const StatusInputs& in);

}  // namespace phantasm::daemons
