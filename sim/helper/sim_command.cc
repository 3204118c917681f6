#include "sim/helper/sim_command.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "harness/scenario/parse.h"
#include "sim/helper/overhead.h"
#include "sim/helper/sim_report.h"
#include "sim/helper/sim_run.h"

namespace phantasm::sim {
namespace {

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
  CLI::App app("Runs scenarios (scenarios/*.yaml) in ns-3: the engine on simulated Linux hosts with their own "
               "conntrack and NAT, middlebox models on router nodes; prints a verdict table",
               "phantasm sim run");
  std::vector<std::string> files;
  std::string all_dir, json_file, markdown_file, pcap_dir, netns_json, cross_file;
  bool quick = false, all = false, details = false;
  LinkSettings links;
  app.add_option("files", files, "scenario files");
  auto* all_opt = app.add_flag("--all", all, "every scenario of the catalogue directory (--dir)");
  app.add_option("--dir", all_dir, "catalogue directory for --all")->needs(all_opt);
  app.add_flag("--quick", quick, "only scenarios marked quick: true");
  app.add_option("--json", json_file, "write every run's measurements and verdict (the netns runner's format)");
  uint32_t snaplen = 128;
  app.add_option("--pcap-dir", pcap_dir, "write pcaps there: <scenario>/<node>-<interface>.pcap");
  app.add_option("--pcap-snaplen", snaplen, "bytes kept of each captured packet (0: whole packets)")->capture_default_str();
  app.add_option("--netns-json", netns_json, "a `phantasm netns run --json` file to cross-check against");
  app.add_option("--cross-check", cross_file, "write the cross-check table (Markdown) there");
  app.add_option("--markdown", markdown_file, "write the verdict table (Markdown) there");
  app.add_option("--link-rate", links.rate, "data rate of every link (ns-3 DataRate)")->capture_default_str();
  app.add_option("--link-delay", links.delay, "one-way delay of every link")->capture_default_str();
  app.add_flag("--details", details, "print every check and counter, not only for unexpected runs");
  CLI11_PARSE(app, argc, argv);
  if (all && all_dir.empty()) all_dir = "scenarios";

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
    std::fprintf(stderr, "sim run: no scenario to run (give files or --all)\n");
    return 2;
  }
  std::vector<RecordedRun> netns;
  if (!netns_json.empty()) {
    try {
      netns = read_results_json(netns_json);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "sim run: %s\n", e.what());
      return 2;
    }
  }

  std::vector<SimRunResult> runs;
  std::string table = verdict_header();
  std::printf("%s", table.c_str());
  double wall = 0;
  uint64_t packets = 0;
  for (const scenario::Scenario& s : scenarios) {
    SimRunOptions o;
    o.links = links;
    o.pcap_snaplen = snaplen;
    if (!pcap_dir.empty()) {
      o.pcap_dir = pcap_dir + "/" + s.name;
      std::filesystem::create_directories(o.pcap_dir);
    }
    o.progress = [&](const std::string& line) {
      if (details) std::printf("  [%s] %s\n", s.name.c_str(), line.c_str());
    };
    SimRunResult r = run_in_sim(s, o);
    const std::string row = verdict_row(s, r);
    table += row;
    std::printf("%s", row.c_str());
    if (details || !r.judgement.as_expected) std::printf("%s", run_details(r).c_str());
    std::fflush(stdout);
    wall += r.wall_seconds;
    packets += r.packets;
    runs.push_back(std::move(r));
  }
  const size_t good = static_cast<size_t>(std::count_if(runs.begin(), runs.end(), [](const SimRunResult& r) { return r.judgement.as_expected; }));
  std::printf("\n%zu as expected, %zu not; %.1f s of wall time, %llu packets handled (%.0f packets per second)\n", good,
              runs.size() - good, wall, static_cast<unsigned long long>(packets), wall > 0 ? static_cast<double>(packets) / wall : 0.0);
  if (!json_file.empty()) std::ofstream(json_file) << results_json(scenarios, runs);
  if (!markdown_file.empty()) {
    std::string md = "| scenario | catalogue | verdict | expected | numbers |\n|---|---|---|---|---|\n";
    for (const SimRunResult& r : runs) {
      for (const auto& s : scenarios) {
        if (s.name != r.scenario) continue;
        md += "| " + s.name + " | " + s.catalogue + " | " + std::string(scenario::to_string(r.judgement.observed)) + " | " +
              std::string(scenario::to_string(s.expect.verdict)) + " | " + short_numbers(r.measurements) + " |\n";
      }
    }
    std::ofstream(markdown_file) << md;
  }
  if (!netns.empty()) {
    const CrossCheck x = cross_check(scenarios, runs, netns);
    std::printf("\nCross-check with %s:\n%s", netns_json.c_str(), x.markdown.c_str());
    if (!cross_file.empty()) std::ofstream(cross_file) << x.markdown;
  }
  return good == runs.size() ? 0 : 1;
}

}  // namespace

int run_sim_command(int argc, char** argv) {
  const std::string_view usage =
      "Usage: phantasm sim run FILE... | --all [--dir DIR] [--quick] [--json F] [--markdown F]\n"
      "                        [--pcap-dir DIR] [--netns-json F] [--cross-check F] [--details]\n"
      "       phantasm sim overhead [--json F]   goodput of direct UDP, Phantasm and udp2raw framing\n";
  if (argc < 2) {
    std::fprintf(stderr, "%.*s", static_cast<int>(usage.size()), usage.data());
    return 2;
  }
  const std::string_view sub = argv[1];
  if (sub == "run") return run_command(argc - 1, argv + 1);
  if (sub == "overhead") return run_overhead(argc - 1, argv + 1);
  std::fprintf(stderr, "%.*s", static_cast<int>(usage.size()), usage.data());
  return 2;
}

}  // namespace phantasm::sim
