// `phantasm udpgen send|sink`: option parsing, the run, the report, the exit status.
#include "harness/traffic/udpgen_cli.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "harness/traffic/tool/errors.h"
#include "harness/traffic/tool/sender.h"
#include "harness/traffic/tool/sink.h"
#include "harness/traffic/tool/stop_signal.h"
#include "harness/traffic/tool/units.h"

namespace phantasm::traffic {
namespace {

// Options as typed, converted after CLI11 has parsed them so that every unit error gets the
// same one-line message style.
struct CommonArgs {
  std::string json_path;
  bool per_flow = false;
  bool quiet = false;
  bool expect_lossless = false;
  std::string socket_buffer = "4M";
  size_t batch = 0;
  uint32_t reorder_window = kDefaultReorderWindow;
};

struct SendArgs {
  std::string target, bind, rate = "10M", size = "1400", duration, count, grace = "1s", warmup = "0";
  size_t flows = 1;
  bool echo = false;
  uint64_t seed = 1;
};

struct SinkArgs {
  std::string listen, duration;
  bool echo = false;
  size_t stop_after_flows = 0;
  size_t max_flows = 65536;
};

void add_common_options(CLI::App& app, CommonArgs& args, size_t default_batch) {
  args.batch = default_batch;
  app.add_option("--json", args.json_path,
                 "Also write the report as JSON to FILE ('-' = stdout; the table then goes to stderr)")
      ->option_text("FILE");
  app.add_flag("--per-flow", args.per_flow, "Add a row per flow under each direction of the table");
  app.add_flag("-q,--quiet", args.quiet, "No progress line (otherwise one per second on stderr)");
  app.add_flag("--expect-lossless", args.expect_lossless,
               "Exit 3 unless every datagram arrived intact exactly once (reordering is fine); at a sink every "
               "flow must also have announced its end; a one-way sender has nothing to check (the sink judges)");
  app.add_option("--socket-buffer", args.socket_buffer,
                 "Socket receive and send buffer to ask for, in bytes (k/M = 1024-based; default 4M); as root "
                 "the kernel limits are bypassed (SO_RCVBUFFORCE)")
      ->option_text("BYTES");
  app.add_option("--batch", args.batch, fmt::format("Datagrams per sendmmsg/recvmmsg call, 1-1024 (default {})", default_batch))
      ->option_text("N")
      ->check(CLI::Range(1, 1024));
  app.add_option("--reorder-window", args.reorder_window,
                 "Sequence numbers remembered per flow to tell reordered from duplicate datagrams; older arrivals "
                 "count as stale (default 16384)")
      ->option_text("N")
      ->check(CLI::Range(64u, 1u << 24));
}

void add_send_options(CLI::App& send, SendArgs& args) {
  send.add_option("--target", args.target, "Where to send: HOST:PORT or [IPV6]:PORT (required)")
      ->option_text("HOST:PORT")
      ->required();
  send.add_option("--flows", args.flows,
                  "Number of flows, each its own UDP socket and source port, 1-10000 (default 1)")
      ->option_text("N")
      ->check(CLI::Range(1, 10000));
  send.add_option("--rate", args.rate,
                  "Total rate over all flows: 100kpps (datagrams/s) or 500M, 500Mbit, 1.5G (bit/s of UDP "
                  "payload; a bare number is bit/s, as with iperf3 -b); 0 or max = as fast as possible "
                  "(default 10M)")
      ->option_text("R");
  send.add_option("--size", args.size,
                  "UDP payload bytes per datagram, 40-65507 (40 is the udpgen header): 1400, a range 64-1400, "
                  "a list 64,576,1400 or a weighted list 64:7,576:4,1400:1 (default 1400)")
      ->option_text("S");
  auto* duration = send.add_option("--duration", args.duration,
                                   "How long to send: 10s, 500ms, 2m; a bare number is seconds (default 10s)")
                       ->option_text("D");
  send.add_option("--count", args.count, "Datagrams to send per flow (10k = 10000) instead of a duration")
      ->option_text("C")
      ->excludes(duration);
  send.add_flag("--echo", args.echo, "Receive the datagrams the sink echoes back and report that direction too");
  send.add_option("--grace", args.grace,
                  "With --echo: how long to wait for late echoes after the last send; ends early once every "
                  "datagram is back (default 1s)")
      ->option_text("D");
  send.add_option("--warmup", args.warmup,
                  "Before the counted run, send uncounted warm-up datagrams on every flow every 10 ms for D, so "
                  "a tunnel can open its connections; with --echo it ends once every flow had one back "
                  "(default 0 = none)")
      ->option_text("D");
  send.add_option("--bind", args.bind,
                  "Local address for the flows' sockets, ADDR:PORT; port 0 = any, else flow i uses PORT+i "
                  "(default: chosen by the kernel)")
      ->option_text("ADDR:PORT");
  send.add_option("--seed", args.seed, "Seed for the datagram size draws (default 1)")->option_text("N");
}

void add_sink_options(CLI::App& sink, SinkArgs& args) {
  sink.add_option("--listen", args.listen,
                  "Where to receive: ADDR:PORT, [IPV6]:PORT, or :PORT for every IPv4 and IPv6 address (required)")
      ->option_text("ADDR:PORT")
      ->required();
  sink.add_flag("--echo", args.echo, "Send every datagram back to its source, unchanged");
  sink.add_option("--duration", args.duration,
                  "Stop after this long: 10s, 500ms, 2m (default: run until SIGINT or SIGTERM)")
      ->option_text("D");
  sink.add_option("--stop-after-flows", args.stop_after_flows,
                  "Stop 200 ms after N flows have announced their end (default 0 = never)")
      ->option_text("N");
  sink.add_option("--max-flows", args.max_flows,
                  "Flows tracked at most (memory bound); datagrams of further flows count as untracked "
                  "(default 65536)")
      ->option_text("N")
      ->check(CLI::Range(size_t{1}, size_t{1} << 22));
}

int socket_buffer_bytes(const std::string& text) {
  const uint64_t bytes = parse_byte_size(text);
  if (bytes < 4096 || bytes > (1u << 30)) {
    throw UsageError(fmt::format("invalid --socket-buffer '{}' (expected 4k..1G bytes)", text));
  }
  return static_cast<int>(bytes);
}

SenderOptions sender_options(const SendArgs& a, const CommonArgs& c) {
  SenderOptions o;
  o.target = resolve(split_host_port(a.target, "--target"), false);
  if (!a.bind.empty()) o.bind = resolve(split_host_port(a.bind, "--bind"), true);
  o.flows = a.flows;
  o.rate = parse_rate(a.rate);
  o.sizes = SizeDistribution::parse(a.size);
  if (!a.count.empty()) o.count = parse_count(a.count);
  if (!a.duration.empty()) o.duration = parse_duration(a.duration);
  o.echo = a.echo;
  o.grace = parse_duration(a.grace);
  o.warmup = parse_duration(a.warmup);
  o.socket_buffer = socket_buffer_bytes(c.socket_buffer);
  o.batch = c.batch;
  o.seed = a.seed;
  o.reorder_window = c.reorder_window;
  o.progress = !c.quiet;
  return o;
}

SinkOptions sink_options(const SinkArgs& a, const CommonArgs& c) {
  SinkOptions o;
  o.listen = resolve(split_host_port(a.listen, "--listen"), true);
  o.echo = a.echo;
  if (!a.duration.empty()) o.duration = parse_duration(a.duration);
  o.stop_after_flows = a.stop_after_flows;
  o.socket_buffer = socket_buffer_bytes(c.socket_buffer);
  o.batch = c.batch;
  o.limits = {c.reorder_window, a.max_flows};
  o.progress = !c.quiet;
  return o;
}

// Option values are checked before anything resolves or binds, so that a typo is always a
// usage error (exit 2) even when the host name would not resolve either.
void check_values(const SendArgs* send, const SinkArgs* sink, const CommonArgs& c) {
  socket_buffer_bytes(c.socket_buffer);
  if (send != nullptr) {
    split_host_port(send->target, "--target");
    if (!send->bind.empty()) split_host_port(send->bind, "--bind");
    parse_rate(send->rate);
    SizeDistribution::parse(send->size);
    if (!send->count.empty() && parse_count(send->count) == 0) throw UsageError("--count must be at least 1");
    if (!send->duration.empty()) parse_duration(send->duration);
    parse_duration(send->grace);
    parse_duration(send->warmup);
  }
  if (sink != nullptr) {
    split_host_port(sink->listen, "--listen");
    if (!sink->duration.empty()) parse_duration(sink->duration);
  }
}

void write_report(const RunReport& report, const CommonArgs& c) {
  const bool json_on_stdout = c.json_path == "-";
  std::FILE* table_out = json_on_stdout ? stderr : stdout;
  std::fputs(format_table(report, c.per_flow).c_str(), table_out);
  std::fflush(table_out);
  if (c.json_path.empty()) return;
  const std::string json = format_json(report);
  if (json_on_stdout) {
    std::fputs(json.c_str(), stdout);
    return;
  }
  std::ofstream file(c.json_path);
  file << json;
  file.close();
  if (!file) throw RuntimeError(fmt::format("cannot write the JSON report to '{}'", c.json_path));
}

int verdict(const RunReport& report, const CommonArgs& c) {
  if (!c.expect_lossless) return kExitOk;
  const auto problems = report.lossless_problems();
  for (const auto& problem : problems) fmt::print(stderr, "phantasm udpgen: not lossless: {}\n", problem);
  return problems.empty() ? kExitOk : kExitNotLossless;
}

}  // namespace
}  // namespace phantasm::traffic

int udpgen_main(int argc, char** argv) {
  using namespace phantasm::traffic;
  CLI::App app{"UDP load generator and sink: sequence-numbered, checksummed datagrams over N flows; reports "
               "sent, received, lost, corrupted, duplicated, reordered and throughput per direction.",
               "phantasm udpgen"};
  app.require_subcommand(1, 1);
  app.footer(
      "Exit status: 0 the run completed (loss is reported, not an error), 1 runtime error (resolve, bind, "
      "socket), 2 bad usage, 3 --expect-lossless and something was lost, corrupted or duplicated.\n"
      "Throughput counts UDP payload bytes. Example:\n"
      "  phantasm udpgen sink --listen :9000 --echo &\n"
      "  phantasm udpgen send --target 127.0.0.1:9000 --flows 4 --rate 100kpps --count 10k --echo");
  CommonArgs send_common, sink_common;
  SendArgs send_args;
  SinkArgs sink_args;
  CLI::App* send = app.add_subcommand("send", "Send datagrams over N flows to a sink (or through a tunnel to one)");
  add_send_options(*send, send_args);
  add_common_options(*send, send_common, 32);
  CLI::App* sink = app.add_subcommand("sink", "Receive, check and optionally echo datagrams from any number of senders");
  add_sink_options(*sink, sink_args);
  add_common_options(*sink, sink_common, 64);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    fmt::print(stderr, "phantasm udpgen: {} (try --help)\n", e.what());
    return kExitUsage;
  }

  const bool sending = send->parsed();
  const CommonArgs& common = sending ? send_common : sink_common;
  try {
    check_values(sending ? &send_args : nullptr, sending ? nullptr : &sink_args, common);
    const StopSignal stop;
    RunReport report;
    if (sending) {
      Sender sender(sender_options(send_args, common));
      report = sender.run(stop.flag());
    } else {
      Sink receiver(sink_options(sink_args, common));
      if (!common.quiet) fmt::print(stderr, "listening on {}\n", receiver.local_endpoint().to_string());
      report = receiver.run(stop.flag());
    }
    write_report(report, common);
    return verdict(report, common);
  } catch (const UsageError& e) {
    fmt::print(stderr, "phantasm udpgen: {}\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    fmt::print(stderr, "phantasm udpgen: {}\n", e.what());
    return kExitRuntimeError;
  }
}
