// Fuzzes the daemons' command line: any argv either yields options to run with or an exit
// status (0 for --help/--version, 2 with a message for a bad option); never a crash, an
// uncaught exception or options that break the invariants the daemon relies on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "apps/daemons/options.h"

namespace {

// CLI11 writes help and errors to the standard streams: keep the fuzzer's output readable.
struct Silence {
  Silence() {
    std::cout.rdbuf(sink.rdbuf());
    std::cerr.rdbuf(sink.rdbuf());
  }
  std::ostringstream sink;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Silence silence;
  silence.sink.str({});
  if (size == 0) return 0;
  const bool client = data[0] & 1;
  // The rest is the arguments, separated by NUL bytes.
  std::vector<std::string> words{client ? "phantasm-client" : "phantasm-server"};
  std::string word;
  for (size_t i = 1; i < size && words.size() < 64; ++i) {
    if (data[i] == 0) {
      words.push_back(word);
      word.clear();
    } else {
      word.push_back(static_cast<char>(data[i]));
    }
  }
  if (!word.empty()) words.push_back(word);
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  const int argc = static_cast<int>(words.size());
  auto result = client ? phantasm::daemons::parse_client_options(argc, argv.data())
                       : phantasm::daemons::parse_server_options(argc, argv.data());
  if (const int* status = std::get_if<int>(&result)) {
    if (*status != 0 && *status != 2) std::abort();
    return 0;
  }
  const auto& o = std::get<phantasm::daemons::DaemonOptions>(result);
  // What the daemon assumes of parsed options.
  if (o.mtu < 576 || o.mtu > 65535) std::abort();
  if (client && (!o.client_local || o.client_local->port == 0)) std::abort();
  if (!client && o.server_ports.empty()) std::abort();
  if (o.keepalive_interval >= o.dead_after) std::abort();
  if (o.tun_local4 == o.tun_peer4 || o.tun_local6 == o.tun_peer6) std::abort();
  return 0;
}
