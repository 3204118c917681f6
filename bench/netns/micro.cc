#include "bench/netns/micro.h"

#include <unistd.h>

#include "netns-tests/runner/process.h"

namespace phantasm::bench {

nlohmann::json run_micro_benchmarks(const std::string& binary, const std::string& min_time,
                                    const std::string& out_path) {
  if (binary.empty()) return {{"skipped", "no micro-benchmark binary (built with PHANTASM_BENCH=ON?)"}};
  if (::access(binary.c_str(), X_OK) != 0) return {{"skipped", binary + " is not executable"}};
  const auto r = netns::run_command({binary, "--benchmark_out=" + out_path, "--benchmark_out_format=json",
                                     "--benchmark_min_time=" + min_time});
  if (r.status != 0) return {{"skipped", binary + " failed (" + std::to_string(r.status) + "): " + r.output}};
  auto j = nlohmann::json::parse(netns::read_file(out_path), nullptr, false);
  if (j.is_discarded()) return {{"skipped", "unreadable " + out_path}};
  j["command"] = binary + " --benchmark_out=FILE --benchmark_out_format=json --benchmark_min_time=" + min_time;
  return j;
}

}  // namespace phantasm::bench
