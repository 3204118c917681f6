#include "apps/cli/demo_command.h"

#include <CLI/CLI.hpp>

#include <cstdio>

#include "apps/cli/demo_report.h"
#include "apps/cli/demo_run.h"

namespace phantasm::cli {

int run_demo(int argc, char** argv) {
  DemoOptions o;
  CLI::App app{
      "Shows Phantasm carrying UDP as fake TCP, without root and without a network: a client and a\n"
      "server engine run back to back over a simulated wire in virtual time, so a run takes well under\n"
      "a second and the same seed gives the same run. Each client UDP peer sends numbered, checksummed\n"
      "datagrams; the server side answers each one. The report counts datagrams sent, delivered, lost,\n"
      "corrupted, duplicated and reordered each way, shows the engines' own counters (packets, pure\n"
      "ACKs, drops by reason) and the first packets on the wire as tcpdump would print them.\n",
      "phantasm demo"};
  app.add_option("--flows", o.flows, "Client UDP peers, one fake-TCP connection each")->check(CLI::Range(1, 10000))->capture_default_str();
  app.add_option("--datagrams", o.datagrams, "Datagrams each peer sends")->check(CLI::Range(0, 1000000))->capture_default_str();
  app.add_option("--size", o.size, "Bytes per datagram (16 to 65475)")->check(CLI::Range(16, 65475))->capture_default_str();
  app.add_option("--interval", o.interval_ms, "Milliseconds between a peer's datagrams")->check(CLI::Range(0.001, 10000.0))->capture_default_str();
  app.add_option("--delay", o.delay_ms, "One-way delay of the path, milliseconds")->check(CLI::Range(0.0, 10000.0))->capture_default_str();
  app.add_option("--jitter", o.jitter_ms, "Random extra delay per packet up to this many milliseconds (reorders)")->check(CLI::Range(0.0, 10000.0))->capture_default_str();
  app.add_option("--loss", o.loss, "Probability that the path loses a packet, each way (0 to 1)")->check(CLI::Range(0.0, 1.0))->capture_default_str();
  app.add_option("--seed", o.seed, "Seed of every random choice (same seed, same run)")->capture_default_str();
  app.add_option("--trace", o.trace, "How many of the first packets to show")->capture_default_str();
  app.add_flag("--json", o.json, "Print the results as JSON instead of the report");
  app.footer("Exit status: 0 done (loss is part of the demo), 1 a datagram was corrupted or misrouted or an "
             "engine timer stuck, 2 bad usage.\nExample: phantasm demo --loss 0 --jitter 0   (everything arrives, in order)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  const DemoResult result = run_demo_simulation(o);
  if (o.json) {
    std::printf("%s\n", demo_json(result).c_str());
  } else {
    print_demo_report(result, stdout);
  }
  return result.healthy() ? 0 : 1;
}

}  // namespace phantasm::cli
