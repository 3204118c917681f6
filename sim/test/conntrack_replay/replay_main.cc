// sim_ct_replay: the conntrack model replayed against real Linux conntrack, packet by packet.
//
//   sim_ct_replay trace PCAP SEED OUT.jsonl          the replay trace (SEED 0: as captured)
//   sim_ct_replay model PCAP SEED PROFILE OUT.txt    the model's observations
//   sim_ct_replay compare MANIFEST [--min-agreement F]
//       every line of MANIFEST "pcap seed profile kernel-observations" (paths relative to the
//       manifest): the model replayed and compared with what the kernel observed; prints the
//       disagreements and the agreement rate, exit 1 below F (default 1.0).
//
// PROFILE: default (loose 1, be_liberal 0), strict (loose 0), liberal (be_liberal 1).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "sim/test/conntrack_replay/replay_trace.h"

namespace {

using namespace phantasm::sim;
using namespace phantasm::sim::replay;

TcpCtSettings profile(const std::string& name) {
  TcpCtSettings s;
  if (name == "strict") s.loose = false;
  else if (name == "liberal") s.be_liberal = true;
  else if (name != "default") throw std::runtime_error("unknown profile '" + name + "'");
  return s;
}

ReplayTrace load(const std::string& pcap, uint64_t seed) {
  ReplayTrace t = trace_from_capture(read_pcap(pcap));
  return seed == 0 ? t : mutate(t, seed);
}

int compare(const std::string& manifest, double min_agreement) {
  std::ifstream in(manifest);
  if (!in) throw std::runtime_error(manifest + ": cannot open");
  const auto dir = std::filesystem::path(manifest).parent_path();
  size_t total = 0, agreed = 0, invalid_kernel = 0, ignored = 0;
  std::string line;
  std::printf("%-34s %-6s %-8s %8s %8s %9s\n", "capture", "seed", "profile", "packets", "agree", "INVALID");
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string pcap, profile_name, kernel_file;
    uint64_t seed = 0;
    if (!(fields >> pcap >> seed >> profile_name >> kernel_file)) throw std::runtime_error("bad manifest line: " + line);
    const ReplayTrace t = load((dir / pcap).string(), seed);
    const auto model = model_replay(t, profile(profile_name));
    const auto kernel = read_observations((dir / kernel_file).string());
    if (kernel.size() != model.size()) {
      throw std::runtime_error(kernel_file + ": " + std::to_string(kernel.size()) + " observations for " +
                               std::to_string(model.size()) + " packets (trace changed since recording?)");
    }
    size_t ok = 0, inv = 0;
    for (size_t i = 0; i < model.size(); ++i) {
      if (kernel[i].fingerprint != model[i].fingerprint) {
        throw std::runtime_error(kernel_file + ": packet " + std::to_string(i) + " differs from the recorded one");
      }
      if (kernel[i].invalid) ++inv;
      if (kernel[i].has_entry && kernel[i].timeout >= kSentinelSeconds - 2) ++ignored;
      if (same(kernel[i], model[i])) {
        ++ok;
        continue;
      }
      const std::string note = t.packets[i].note.empty() ? "" : " (" + t.packets[i].note + ")";
      std::printf("  %s #%zu%s: kernel %s, model %s\n", kernel_file.c_str(), i, note.c_str(),
                  describe(kernel[i]).c_str(), describe(model[i]).c_str());
    }
    std::printf("%-34s %-6llu %-8s %8zu %8zu %9zu\n", pcap.c_str(), static_cast<unsigned long long>(seed),
                profile_name.c_str(), model.size(), ok, inv);
    total += model.size();
    agreed += ok;
    invalid_kernel += inv;
  }
  const double rate = total ? static_cast<double>(agreed) / static_cast<double>(total) : 0.0;
  std::printf("agreement: %zu of %zu packets (%.2f%%); the kernel found %zu INVALID and left %zu timers unrefreshed\n",
              agreed, total, rate * 100, invalid_kernel, ignored);
  return total > 0 && rate >= min_agreement ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "trace" && argc == 5) {
      write_trace(load(argv[2], std::stoull(argv[3])), argv[4]);
      return 0;
    }
    if (cmd == "model" && argc == 6) {
      write_observations(model_replay(load(argv[2], std::stoull(argv[3])), profile(argv[4])), argv[5]);
      return 0;
    }
    if (cmd == "compare" && (argc == 3 || (argc == 5 && std::string(argv[3]) == "--min-agreement"))) {
      return compare(argv[2], argc == 5 ? std::stod(argv[4]) : 1.0);
    }
    std::fprintf(stderr,
                 "usage: sim_ct_replay trace PCAP SEED OUT.jsonl\n"
                 "       sim_ct_replay model PCAP SEED PROFILE OUT.txt\n"
                 "       sim_ct_replay compare MANIFEST [--min-agreement F]\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sim_ct_replay: %s\n", e.what());
    return 2;
  }
}
