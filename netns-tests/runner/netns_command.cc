#include "netns-tests/runner/netns_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "harness/scenario/parse.h"
#include "netns-tests/runner/capture.h"
#include "netns-tests/runner/probe.h"
#include "netns-tests/runner/relay.h"
#include "netns-tests/runner/report.h"
#include "netns-tests/runner/run.h"

namespace phantasm::netns {
namespace {

std::string self_path() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

// The daemons of the same build: build/<preset>/apps/phantasm -> apps/daemons/phantasm-*.
std::string sibling_daemon(const std::string& name) {
  return (std::filesystem::path(self_path()).parent_path() / "daemons" / name).string();
}

std::vector<std::string> scenario_files(const std::vector<std::string>& files, const std::string& all_dir) {
  std::vector<std::string> out = files;
  if (!all_dir.empty()) {
    for (const auto& e : std::filesystem::directory_iterator(all_dir)) {
      if (e.path().extension() == ".yaml") out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

int run_command(int argc, char** argv) {
  CLI::App app("Runs scenarios (scenarios/*.yaml) in network namespaces: real nftables and conntrack, "
               "middlebox models on an NFQUEUE relay; prints a verdict table",
               "phantasm netns run");
  std::vector<std::string> files;
  std::string all_dir, json_file, markdown_file, udp2raw, phantun_client, phantun_server;
  std::string client_bin = sibling_daemon("phantasm-client"), server_bin = sibling_daemon("phantasm-server");
  bool quick = false, keep = false, all = false, pcap = false, no_capture = false;
  unsigned threads = 0;
  std::vector<std::string> client_args, server_args;
  app.add_option("files", files, "scenario files");
  auto* all_opt = app.add_flag("--all", all, "every scenario of the catalogue directory (--dir)");
  app.add_option("--dir", all_dir, "catalogue directory for --all")->needs(all_opt);
  app.add_flag("--quick", quick, "only scenarios marked quick: true");
  app.add_option("--json", json_file, "write every run's measurements and verdict");
  app.add_option("--markdown", markdown_file, "write the traversal matrix (tunnels x scenarios)");
  app.add_option("--udp2raw", udp2raw, "also run each scenario with this udp2raw binary");
  app.add_option("--phantun-client", phantun_client, "also run with Phantun: its client binary");
  app.add_option("--phantun-server", phantun_server, "... and its server binary");
  app.add_option("--client-bin", client_bin, "phantasm-client to test");
  app.add_option("--server-bin", server_bin, "phantasm-server to test");
  app.add_flag("--keep-logs", keep, "keep every run's logs (runs not as expected always keep theirs)");
  app.add_option("--threads", threads, "Phantasm daemons' worker threads (default: theirs)");
  app.add_option("--client-arg", client_args,
                 "one more option for phantasm-client (repeat; e.g. --client-arg=--compat=phantun)")
      ->allow_extra_args(false);
  app.add_option("--server-arg", server_args, "one more option for phantasm-server (repeat)")
      ->allow_extra_args(false);
  app.add_flag("--pcap", pcap, "keep the captured packets (pcap files per namespace and link) and conntrack -E event logs with the logs");
  app.add_flag("--no-capture", no_capture, "no libpcap checks or per-flow timing (recovery from the probe only)");
  CLI11_PARSE(app, argc, argv);
  if (all && all_dir.empty()) all_dir = "scenarios";
  if (::geteuid() != 0) {
    std::printf("SKIP: phantasm netns run needs root (network namespaces, nftables, NFQUEUE)\n");
    return 77;
  }
  if (phantun_client.empty() != phantun_server.empty()) {
    std::fprintf(stderr, "netns run: give both --phantun-client and --phantun-server\n");
    return 2;
  }
  std::vector<scenario::Scenario> scenarios;
  for (const std::string& f : scenario_files(files, all_dir)) {
    try {
      scenario::Scenario s = scenario::load_scenario(f);
      if (!quick || s.quick) scenarios.push_back(std::move(s));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 2;
    }
  }
  if (scenarios.empty()) {
    std::fprintf(stderr, "netns run: no scenario to run (give files or --all)\n");
    return 2;
  }
  std::vector<TunnelSpec> tunnels = {
      {TunnelKind::kPhantasm, "phantasm", client_bin, server_bin, threads, client_args, server_args}};
  if (!phantun_client.empty()) tunnels.push_back({TunnelKind::kPhantun, "phantun", phantun_client, phantun_server, 0, {}, {}});
  if (!udp2raw.empty()) tunnels.push_back({TunnelKind::kUdp2raw, "udp2raw", udp2raw, udp2raw, 0, {}, {}});

  std::vector<RunResult> runs;
  bool all_as_expected = true;
  std::string table = verdict_header();
  std::printf("%s", table.c_str());
  for (const scenario::Scenario& s : scenarios) {
    for (const TunnelSpec& t : tunnels) {
      RunOptions o;
      o.tunnel = t;
      o.phantasm_binary = self_path();
      o.keep_logs = keep || pcap;
      o.capture = !no_capture;
      o.pcap = pcap && !no_capture;
      o.progress = [&](const std::string& line) {
        std::printf("  [%s/%s] %s\n", s.name.c_str(), t.name.c_str(), line.c_str());
        std::fflush(stdout);
      };
      RunResult r = run_scenario(s, o);
      const std::string row = verdict_row(s, r);
      table += row;
      std::printf("%s%s", row.c_str(), run_details(r).c_str());
      std::fflush(stdout);
      if (t.kind == TunnelKind::kPhantasm && !r.judgement.as_expected) all_as_expected = false;
      runs.push_back(std::move(r));
    }
  }
  std::printf("\n%s", table.c_str());
  if (!json_file.empty()) std::ofstream(json_file) << results_json(scenarios, runs);
  if (!markdown_file.empty()) std::ofstream(markdown_file) << matrix_markdown(scenarios, runs);
  const size_t phantasm_runs = static_cast<size_t>(std::count_if(runs.begin(), runs.end(), [](const RunResult& r) { return r.tunnel == "phantasm"; }));
  const size_t good = static_cast<size_t>(std::count_if(runs.begin(), runs.end(), [](const RunResult& r) {
    return r.tunnel == "phantasm" && r.judgement.as_expected;
  }));
  std::printf("%zu passed, %zu failed\n", good, phantasm_runs - good);
  return all_as_expected ? 0 : 1;
}

}  // namespace

int run_netns_command(int argc, char** argv) {
  const std::string_view usage =
      "Usage: phantasm netns run FILE... | --all [--dir DIR] [--quick] [--json F] [--markdown F]\n"
      "                          [--udp2raw PATH] [--phantun-client PATH --phantun-server PATH]\n"
      "       phantasm netns relay ...   (started by run, in a middlebox namespace)\n"
      "       phantasm netns probe ...   (started by run, in the client namespace)\n"
      "       phantasm netns capture ... (started by run, in every namespace)\n";
  if (argc < 2) {
    std::fprintf(stderr, "%.*s", static_cast<int>(usage.size()), usage.data());
    return 2;
  }
  const std::string_view sub = argv[1];
  if (sub == "run") return run_command(argc - 1, argv + 1);
  if (sub == "relay") return run_relay(argc - 1, argv + 1);
  if (sub == "probe") return run_probe(argc - 1, argv + 1);
  if (sub == "capture") return run_capture(argc - 1, argv + 1);
  std::printf("%.*s", static_cast<int>(usage.size()), usage.data());
  return sub == "--help" || sub == "-h" ? 0 : 2;
}

}  // namespace phantasm::netns
