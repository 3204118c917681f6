// One run of one scenario with one tunnel: build the namespaces, apply the rules, start the
// relays, the sink, the daemons, the probe and the traffic, drive the events on time, measure,
// tear everything down, judge.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "harness/scenario/expectation.h"
#include "harness/scenario/scenario.h"
#include "netns-tests/runner/tunnel.h"

namespace phantasm::netns {

struct RunOptions {
  TunnelSpec tunnel;
  std::string phantasm_binary;  // this program: relay, probe and udpgen subcommands
  bool keep_logs = false;
  bool capture = true;  // libpcap checks and per-flow timing in every namespace
  bool pcap = false;    // ... and keep the captured packets as pcap files with the logs
  std::function<void(const std::string&)> progress;  // one line per step
};

struct RunResult {
  std::string scenario;
  std::string tunnel;
  scenario::Measurements measurements;
  scenario::Judgement judgement;
  std::vector<std::string> notes;  // what else was seen (relay counters, daemon stats)
  std::string error;               // the run itself failed (setup); judgement is then a fail
  double seconds = 0;
  std::string work_dir;            // kept when the run was not as expected, or on request
};

RunResult run_scenario(const scenario::Scenario& s, const RunOptions& options);

}  // namespace phantasm::netns
