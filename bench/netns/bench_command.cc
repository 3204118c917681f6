#include "bench/netns/bench_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "bench/netns/bench_options.h"
#include "bench/netns/bench_run.h"
#include "bench/netns/interrupt.h"
#include "netns-tests/runner/process.h"

namespace phantasm::bench {
namespace {

constexpr int kCannotRun = 77;

// Next to this executable: build/<preset>/apps/phantasm has its daemons in apps/daemons and the
// micro-benchmarks in bench/.
std::string beside_self(const std::string& relative) {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "";
  const auto candidate = (self.parent_path() / relative).lexically_normal();
  return std::filesystem::exists(candidate) ? candidate.string() : "";
}

std::string missing_tool() {
  for (const char* tool : {"ip", "nft", "iperf3", "ethtool", "ss", "sysctl"}) {
    if (netns::run_command({"sh", "-c", std::string("command -v ") + tool}).status != 0) return tool;
  }
  return "";
}

void print_summary(const nlohmann::json& result) {
  std::printf("\n%-11s %3s %26s %8s %8s %10s %11s\n", "mode", "-P", "receiver Mbit/s med [min-max]", "x direct",
              "loss %", "tunnel s/GB", "machine s/GB");
  for (const auto& e : result["summary"]) {
    auto num = [](const nlohmann::json& j) { return j.is_number() ? j.get<double>() : 0.0; };
    const auto& r = e["receiver_mbps"];
    std::printf("%-11s %3d %8.0f [%6.0f-%6.0f]   %8.2f %8.1f %10.2f %11.2f\n", e.value("mode", "").c_str(),
                e.value("streams", 0), num(r["median"]), num(r["min"]), num(r["max"]), num(e["ratio_to_direct"]),
                num(e["loss_percent"]["median"]), num(e["cpu_tunnel_s_per_gb"]["median"]),
                num(e["cpu_machine_s_per_gb"]["median"]));
  }
  for (const auto& s : result["loss_free"]) {
    if (s.contains("error")) continue;
    std::printf("loss-free  -P %d  %-10s  %5d Mbit/s offered%s\n", s.value("streams", 0), s.value("mode", "").c_str(),
                s.value("loss_free_offered_mbps", 0), s.value("capped", false) ? " (the cap)" : "");
  }
}

}  // namespace

int run_bench_command(int argc, char** argv) {
  BenchOptions o;
  o.client_bin = beside_self("daemons/phantasm-client");
  o.server_bin = beside_self("daemons/phantasm-server");
  o.micro_bench_bin = beside_self("../bench/phantasm_micro_bench");
  bool no_search = false, no_micro = false;
  CLI::App app("Throughput of direct UDP, the null relay, Phantasm, udp2raw and Phantun through a NAT in "
               "network namespaces, measured with iperf3 as in Phantun's README (needs root)",
               "phantasm bench");
  app.add_option("-t,--seconds", o.seconds, "iperf3 -t of each trial")->capture_default_str()->check(CLI::Range(1, 600));
  app.add_option("-n,--repetitions", o.repetitions, "repetitions (modes interleaved in each)")
      ->capture_default_str()->check(CLI::Range(1, 50));
  app.add_option("-P,--streams", o.streams, "iperf3 -P values")->delimiter(',')->capture_default_str();
  app.add_option("-b,--rate", o.rate, "iperf3 -b, per stream")->capture_default_str();
  app.add_option("-l,--length", o.length, "iperf3 -l (datagram size)")->capture_default_str()->check(CLI::Range(64, 1440));
  app.add_option("--modes", o.modes, "modes to run: direct,null-relay,phantasm,udp2raw,phantun (default: all "
                                     "whose binaries are known)")->delimiter(',');
  app.add_option("--client-bin", o.client_bin, "phantasm-client (also the null relay)")->capture_default_str();
  app.add_option("--server-bin", o.server_bin, "phantasm-server")->capture_default_str();
  app.add_option("--udp2raw", o.udp2raw_bin, "udp2raw binary: adds the udp2raw mode")->check(CLI::ExistingFile);
  auto* pc = app.add_option("--phantun-client", o.phantun_client_bin, "phantun_client: adds the Phantun mode")
                 ->check(CLI::ExistingFile);
  auto* ps = app.add_option("--phantun-server", o.phantun_server_bin, "phantun_server")->check(CLI::ExistingFile);
  pc->needs(ps);
  ps->needs(pc);
  app.add_option("--nice", o.nice, "run iperf3 and the tunnels under nice -n N (e.g. -10 on a machine "
                                   "shared with builds)")->capture_default_str()->check(CLI::Range(-20, 19));
  app.add_flag("--no-search", no_search, "skip the highest-loss-free-rate search");
  app.add_option("--search-seconds", o.search_seconds, "iperf3 -t of each search step")->capture_default_str();
  app.add_option("--search-max", o.search_max_mbit, "highest total Mbit/s the search tries")->capture_default_str();
  app.add_option("--loss-free-max", o.loss_free_max_percent, "loss %% a search step may have and count as loss-free")
      ->capture_default_str();
  app.add_option("--micro-bench", o.micro_bench_bin, "phantasm_micro_bench binary")->capture_default_str();
  app.add_flag("--no-micro", no_micro, "skip the micro-benchmarks");
  app.add_option("--micro-min-time", o.micro_min_time, "--benchmark_min_time for them")->capture_default_str();
  app.add_option("-o,--json", o.json_path, "where the results go")->capture_default_str();
  app.add_option("--work-dir", o.work_dir, "logs (default: a new /tmp/phantasm-bench.*)");
  app.add_flag("--keep-logs", o.keep_logs, "keep the work directory");
  app.add_flag("--quick", o.quick, "smoke run: 2 s, 1 repetition, direct and phantasm, a 2-step search");
  app.footer("Then: phantasm report " + o.json_path + " --out DIR");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (o.quick) {
    if (app.count("--seconds") == 0) o.seconds = 2;
    if (app.count("--repetitions") == 0) o.repetitions = 1;
    if (o.modes.empty()) o.modes = {"direct", "phantasm"};
    o.search_seconds = 1;
    o.search_start_mbit = 100;
    o.search_max_mbit = 200;
    o.search_bisections = 0;
    o.micro_min_time = "0.01";
  }
  o.search = !no_search;
  if (no_micro) o.micro_bench_bin.clear();

  if (::geteuid() != 0) {
    std::fprintf(stderr, "phantasm bench: needs root (network namespaces, nftables, TUN devices); run it as root "
                         "or with sudo\n");
    return kCannotRun;
  }
  if (const std::string tool = missing_tool(); !tool.empty()) {
    std::fprintf(stderr, "phantasm bench: '%s' is not installed (scripts/install-deps.sh)\n", tool.c_str());
    return kCannotRun;
  }
  install_interrupt_handlers();
  nlohmann::json result;
  try {
    result = run_bench(o, std::cout);
  } catch (const Interrupted&) {
    std::fprintf(stderr, "phantasm bench: interrupted; namespaces and processes removed\n");
    return 130;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "phantasm bench: %s\n", e.what());
    return 1;
  }
  std::ofstream(o.json_path) << result.dump(1) << "\n";
  print_summary(result);
  std::printf("\nresults: %s   (phantasm report %s --out DIR)\n", o.json_path.c_str(), o.json_path.c_str());
  // Only a directory this run made itself is removed.
  if (!o.keep_logs && o.work_dir.empty() && result.value("complete", false)) {
    std::error_code ec;
    std::filesystem::remove_all(result.value("work_dir", ""), ec);
  } else {
    std::printf("logs kept in %s\n", result.value("work_dir", "").c_str());
  }
  return result.value("complete", false) ? 0 : 1;
}

}  // namespace phantasm::bench
