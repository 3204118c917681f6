// What `phantasm bench` was asked to do: durations, repetitions, stream counts, modes, the
// binaries under test and where the results go.
#pragma once

#include <string>
#include <vector>

namespace phantasm::bench {

struct BenchOptions {
  int seconds = 10;          // iperf3 -t of every measured trial
  int repetitions = 3;       // each one runs every mode once per stream count, interleaved
  std::vector<int> streams{1, 5};  // iperf3 -P
  std::string rate = "1000m";      // iperf3 -b (per stream, as iperf3 means it)
  int length = 1400;               // iperf3 -l
  std::vector<std::string> modes;  // empty: every mode whose binaries are available

  // Highest loss-free rate: a search over -b per mode and stream count.
  bool search = true;
  int search_seconds = 3;
  int search_start_mbit = 200;   // total offered, all streams together
  int search_max_mbit = 4000;
  int search_bisections = 3;
  // A trial counts as loss-free at or below this loss: on a 2-core machine shared with anything
  // else, one scheduling hiccup drops a few datagrams at any rate, and a strict 0 measures that.
  double loss_free_max_percent = 0.1;

  std::string client_bin;  // phantasm-client (also the null relay)
  std::string server_bin;
  std::string udp2raw_bin;
  std::string phantun_client_bin;
  std::string phantun_server_bin;
  std::string micro_bench_bin;  // bench/phantasm_micro_bench; empty: not run
  std::string micro_min_time = "0.2";

  std::string json_path = "phantasm-bench.json";
  std::string work_dir;  // logs; a fresh temporary directory when empty
  bool keep_logs = false;
  bool quick = false;
  // Scheduling priority of everything the bench starts (iperf3, tunnels): below 0 keeps other
  // work on a shared machine (builds) from taking the cores in the middle of a trial.
  int nice = 0;
};

}  // namespace phantasm::bench
