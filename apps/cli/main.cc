// phantasm: the umbrella command. Each subcommand is one line in kSubcommands below; its
// function receives the arguments after `phantasm`, so argv[0] is the subcommand's own name.
#include <cstdio>
#include <cstring>
#include <span>
#include <string_view>

#include "apps/cli/demo_command.h"
#include "apps/cli/status_command.h"
#include "bench/netns/bench_command.h"
#include "harness/traffic/udpgen_cli.h"
#include "netns-tests/runner/netns_command.h"
#include "sim/helper/sim_command.h"

namespace {

struct Subcommand {
  std::string_view name;
  std::string_view summary;
  int (*run)(int argc, char** argv);
};

int run_help(int argc, char** argv);

// To add a subcommand: declare `int run_x(int argc, char** argv)` in a header of yours, add its
// library to the phantasm target in apps/cli/CMakeLists.txt, and add one line here.
constexpr Subcommand kSubcommands[] = {
    {"demo", "UDP over fake TCP between two engines on an in-memory wire, with counts and a packet trace",
     phantasm::cli::run_demo},
    {"status", "flows and counters of a running phantasm-client/-server (its control socket); --json",
     phantasm::cli::run_status_command},
    {"udpgen", "UDP load generator and sink: counts lost, corrupted, duplicated datagrams; throughput", udpgen_main},
    {"netns", "run scenarios (scenarios/*.yaml) in network namespaces: verdict table, traversal matrix", phantasm::netns::run_netns_command},
    {"sim", "run scenarios (scenarios/*.yaml) in ns-3: same verdicts, pcaps, cross-check with netns", phantasm::sim::run_sim_command},
    {"bench", "iperf3 through direct UDP, the null relay, Phantasm, udp2raw, Phantun in namespaces (root): JSON", phantasm::bench::run_bench_command},
    {"report", "charts, Markdown and HTML from a bench JSON (reports/, /usr/bin/python3 + matplotlib)", phantasm::bench::run_report_command},
    {"help", "this list (`phantasm <command> --help` for a command's options)", run_help},
};

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "phantasm %s: carries UDP through networks that only pass TCP (Phantun-compatible fake TCP)\n\n"
               "Usage: phantasm <command> [options]\n"
               "       phantasm --version\n\n"
               "Commands:\n",
               PHANTASM_VERSION);
  for (const Subcommand& c : kSubcommands) {
    std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
  std::fprintf(out, "\nThe tunnel daemons are phantasm-client and phantasm-server.\n");
}

int run_help(int, char**) {
  print_usage(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  const std::string_view first = argv[1];
  if (first == "--version" || first == "-V") {
    std::printf("phantasm %s\n", PHANTASM_VERSION);
    return 0;
  }
  if (first == "--help" || first == "-h") return run_help(argc - 1, argv + 1);
  for (const Subcommand& c : kSubcommands) {
    if (c.name == first) return c.run(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "phantasm: unknown command '%s'\n\n", argv[1]);
  print_usage(stderr);
  return 2;
}
