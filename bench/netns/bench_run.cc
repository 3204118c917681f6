#include "bench/netns/bench_run.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "bench/netns/bench_topology.h"
#include "bench/netns/interrupt.h"
#include "bench/netns/loss_free.h"
#include "bench/netns/machine_facts.h"
#include "bench/netns/micro.h"
#include "bench/netns/modes.h"
#include "bench/netns/summary.h"
#include "bench/netns/trial.h"

namespace phantasm::bench {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string now_text() {
  char buf[32];
  const std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", std::localtime(&t));
  return buf;
}

std::string joined(const std::vector<std::string>& argv) {
  std::string s;
  for (const std::string& a : argv) s += (s.empty() ? "" : " ") + a;
  return s;
}

std::string minutes(double seconds) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%d:%02d", static_cast<int>(seconds) / 60, static_cast<int>(seconds) % 60);
  return buf;
}

// The modes to run: those asked for (or every one whose binaries were given), direct first
// because every ratio is taken against it.
std::vector<std::string> chosen_modes(const BenchOptions& o) {
  std::vector<std::string> modes;
  for (const std::string& m : all_mode_names()) {
    const bool asked = o.modes.empty() || std::find(o.modes.begin(), o.modes.end(), m) != o.modes.end();
    if (asked && (m == "direct" || mode_available(m, o))) modes.push_back(m);
  }
  for (const std::string& m : o.modes) {
    if (std::find(modes.begin(), modes.end(), m) == modes.end()) {
      throw std::runtime_error("mode '" + m + "' is unknown or its binaries were not given");
    }
  }
  if (std::find(modes.begin(), modes.end(), "direct") == modes.end()) modes.insert(modes.begin(), "direct");
  return modes;
}

Json caveats(const BenchOptions& o, const Json& machine, const std::vector<std::string>& modes) {
  Json c = Json::array();
  if (machine.value("iperf3_single_threaded", false)) {
    c.push_back("iperf3 " + machine.value("iperf3_version", std::string("?")) +
                " is single-threaded: all -P streams share one sender thread and one receiver thread.");
  }
  c.push_back("-b " + o.rate + " is per stream: -P 1 offers at most " + o.rate +
              "bit/s in total, -P 5 five times that; the -P 1 direct row is capped by the offer, not the path.");
  c.push_back("Everything runs on one machine of " + std::to_string(machine.value("cores", 0)) +
              " core(s): the iperf3 sender and receiver, both tunnel ends and the kernel's forwarding, NAT and "
              "softirq work share them. Veths, not NICs: the veths keep their default offloads (see "
              "machine.veth_offloads: TSO on, GRO off).");
  c.push_back("Rows are comparable within this run only (modes interleaved in every repetition); load before "
              "the run: " + machine["load_before"].dump() + ".");
  if (std::find(modes.begin(), modes.end(), "udp2raw") != modes.end()) {
    c.push_back("udp2raw reads and writes the fake TCP through raw/packet sockets: drops there are not in "
                "/proc/net/snmp and show up as 'unattributed'.");
  }
  if (std::find(modes.begin(), modes.end(), "phantun") == modes.end()) {
    c.push_back("Phantun was not measured in this run (no --phantun-client/--phantun-server given).");
  }
  if (std::find(modes.begin(), modes.end(), "null-relay") != modes.end()) {
    c.push_back("The null relay is Phantasm's daemon with --null-engine: the same I/O path with the engine "
                "replaced by a fixed IPv4+TCP header (software checksum kept, since conntrack drops bad ones): "
                "the ceiling of this I/O path on this machine.");
  }
  return c;
}

}  // namespace

Json run_bench(const BenchOptions& o, std::ostream& progress) {
  const auto started = Clock::now();
  const std::vector<std::string> modes = chosen_modes(o);
  std::string work = o.work_dir;
  if (work.empty()) {
    char tmpl[] = "/tmp/phantasm-bench.XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("cannot create a work directory in /tmp");
    work = tmpl;
  }
  std::filesystem::create_directories(work);

  Json result{{"schema", 1}, {"tool", "phantasm bench"}, {"started", now_text()}, {"work_dir", work}};
  result["options"] = Json{{"seconds", o.seconds},         {"repetitions", o.repetitions},
                           {"streams", o.streams},         {"rate_per_stream", o.rate},
                           {"length", o.length},           {"modes", modes},
                           {"search", o.search},           {"search_seconds", o.search_seconds},
                           {"search_start_mbit", o.search_start_mbit}, {"search_max_mbit", o.search_max_mbit},
                           {"search_bisections", o.search_bisections},
                           {"loss_free_max_percent", o.loss_free_max_percent}, {"quick", o.quick},
                           {"nice", o.nice}};

  progress << "phantasm bench: modes " << joined(modes) << "; -P " << [&] {
    std::string s;
    for (int n : o.streams) s += (s.empty() ? "" : ",") + std::to_string(n);
    return s;
  }() << "; " << o.repetitions << " repetition(s) of " << o.seconds << " s; logs in " << work << "\n";

  progress << "micro-benchmarks: " << (o.micro_bench_bin.empty() ? "skipped" : o.micro_bench_bin) << "\n"
           << std::flush;
  result["micro"] = run_micro_benchmarks(o.micro_bench_bin, o.micro_min_time, work + "/micro.json");
  throw_if_interrupted();

  BenchTopology topology("phb-" + std::to_string(::getpid()) + "-");
  topology.build();
  result["machine"] = machine_facts(topology);

  Json commands = Json::object();
  for (const std::string& m : modes) {
    const ModeSpec spec = mode_spec(m, o);
    Json rules = Json::object();
    for (const RuleSpec& r : spec.rules) rules[r.role + ":" + r.table] = r.script;
    commands[m] = Json{{"client", joined(spec.client)}, {"server", joined(spec.server)}, {"nft", rules}};
  }
  commands["iperf3_client"] =
      joined(iperf_client_command(IperfShape{o.streams.front(), o.rate, o.length, o.seconds}));
  commands["iperf3_server"] = joined(iperf_server_command());
  result["commands"] = commands;

  // Trials: every repetition runs every stream count and, within it, every mode in turn, so a
  // slow spell on the machine hits all modes alike.
  const int total = o.repetitions * static_cast<int>(o.streams.size() * modes.size());
  int done = 0;
  bool any_error = false;
  Json rows = Json::array();
  for (int rep = 1; rep <= o.repetitions; ++rep) {
    for (int streams : o.streams) {
      for (const std::string& m : modes) {
        throw_if_interrupted();
        const ModeSpec spec = mode_spec(m, o);
        const std::string tag = work + "/r" + std::to_string(rep) + "-P" + std::to_string(streams) + "-" + m;
        Json row;
        try {
          TunnelSession session(topology, spec, tag);
          row = run_trial(topology, session,
                          TrialRequest{IperfShape{streams, o.rate, o.length, o.seconds}, tag + ".json", o.nice});
          row["tunnel"] = session.stop();
        } catch (const Interrupted&) {
          throw;
        } catch (const std::exception& e) {
          row = Json{{"mode", m}, {"label", spec.label}, {"streams", streams}, {"error", e.what()}};
        }
        row["repetition"] = rep;
        ++done;
        const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
        char line[256];
        if (row.value("error", "").empty()) {
          std::snprintf(line, sizeof line,
                        "[%s] rep %d/%d  -P %d  %-10s  recv %7.1f Mbit/s  sent %7.1f  loss %5.1f %%  tunnel CPU %5.2f s  "
                        "(%d/%d)\n",
                        minutes(elapsed).c_str(), rep, o.repetitions, streams, m.c_str(), row.value("receiver_mbps", 0.0),
                        row.value("sender_mbps", 0.0), row.value("loss_percent", 0.0),
                        row["cpu"].value("tunnel_s", 0.0), done, total);
        } else {
          any_error = true;
          std::snprintf(line, sizeof line, "[%s] rep %d/%d  -P %d  %-10s  FAILED: %.150s (%d/%d)\n",
                        minutes(elapsed).c_str(), rep, o.repetitions, streams, m.c_str(),
                        row.value("error", "").c_str(), done, total);
        }
        progress << line << std::flush;
        rows.push_back(row);
      }
    }
  }
  result["rows"] = rows;
  result["summary"] = summarize(rows, modes, o.streams);

  Json searches = Json::array();
  if (o.search) {
    SearchSettings s{o.search_seconds, o.search_start_mbit, o.search_max_mbit, o.search_bisections,
                     o.loss_free_max_percent, o.length, o.nice};
    for (int streams : o.streams) {
      for (const std::string& m : modes) {
        throw_if_interrupted();
        const ModeSpec spec = mode_spec(m, o);
        progress << "loss-free search: -P " << streams << " " << m << ":" << std::flush;
        Json found;
        try {
          found = search_loss_free(topology, spec, streams, s,
                                   work + "/search-P" + std::to_string(streams) + "-" + m, [&](const Json& step) {
                                     progress << " " << step.value("offered_mbps", 0)
                                              << (step.value("loss_free", false) ? "ok" : "x") << std::flush;
                                   });
        } catch (const Interrupted&) {
          throw;
        } catch (const std::exception& e) {
          any_error = true;
          found = Json{{"mode", m}, {"label", spec.label}, {"streams", streams}, {"error", e.what()}};
        }
        progress << "  -> " << (found.contains("error") ? "FAILED" : std::to_string(found.value("loss_free_offered_mbps", 0)) + " Mbit/s offered")
                 << "\n" << std::flush;
        searches.push_back(found);
      }
    }
  }
  result["loss_free"] = searches;
  result["caveats"] = caveats(o, result["machine"], modes);
  result["finished"] = now_text();
  result["duration_s"] = std::chrono::duration<double>(Clock::now() - started).count();
  result["complete"] = !any_error;
  return result;
}

}  // namespace phantasm::bench
