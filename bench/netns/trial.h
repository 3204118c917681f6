// One measured iperf3 run through one mode: the tunnel (if any) and its rules are set up by a
// TunnelSession, iperf3 -s is started fresh, every counter is read just before and just after
// the iperf3 client, and the row says what was sent, received, lost (and where), and what CPU
// it cost.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "bench/netns/bench_topology.h"
#include "bench/netns/iperf.h"
#include "bench/netns/modes.h"
#include "netns-tests/runner/process.h"

namespace phantasm::bench {

using Json = nlohmann::json;

// The mode's rules and daemons, from construction to destruction (stopped by PID, rules
// deleted), so that the next mode starts from the bare topology.
class TunnelSession {
 public:
  TunnelSession(const BenchTopology& topology, const ModeSpec& mode, const std::string& log_prefix);
  ~TunnelSession();
  TunnelSession(const TunnelSession&) = delete;
  TunnelSession& operator=(const TunnelSession&) = delete;

  const ModeSpec& mode() const { return mode_; }
  pid_t client_pid() const { return client_.pid(); }
  pid_t server_pid() const { return server_.pid(); }
  // Throws when a daemon has exited (with the end of its log).
  void check_alive();
  // Stops the daemons and returns their last stats lines (Phantasm logs one on exit).
  Json stop();

 private:
  const BenchTopology& topology_;
  ModeSpec mode_;
  ScopedRules rules_;
  netns::Process client_;
  netns::Process server_;
  bool stopped_ = false;
};

struct TrialRequest {
  IperfShape shape;
  std::string log_path;  // the iperf3 client's JSON goes here
  int nice = 0;          // iperf3 runs under nice -n this
};

// Runs iperf3 through `session` and returns the row (see bench/netns/README.md for fields).
Json run_trial(const BenchTopology& topology, TunnelSession& session, const TrialRequest& request);

}  // namespace phantasm::bench
