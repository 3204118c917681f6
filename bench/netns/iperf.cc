#include "bench/netns/iperf.h"

#include <nlohmann/json.hpp>

#include "bench/netns/bench_topology.h"
#include "bench/netns/modes.h"

namespace phantasm::bench {

std::vector<std::string> iperf_client_command(const IperfShape& s) {
  return {"iperf3", "-c", kServerAddress, "-p", std::to_string(kIperfPort), "-R", "-u",
          "-l", std::to_string(s.length), "-b", s.rate_per_stream, "-t", std::to_string(s.seconds),
          "-P", std::to_string(s.streams), "--json"};
}

std::vector<std::string> iperf_server_command() { return {"iperf3", "-s", "-p", std::to_string(kIperfPort)}; }

IperfResult parse_iperf_json(const std::string& text) {
  IperfResult r;
  const auto open = text.find('{');
  const auto close = text.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) {
    r.error = "no JSON from iperf3: " + text.substr(0, 300);
    return r;
  }
  const auto j = nlohmann::json::parse(text.substr(open, close - open + 1), nullptr, false);
  if (j.is_discarded()) {
    r.error = "unreadable JSON from iperf3";
    return r;
  }
  if (j.contains("error")) {
    r.error = "iperf3: " + j["error"].get<std::string>();
    return r;
  }
  const auto& end = j.value("end", nlohmann::json::object());
  if (!end.contains("sum_sent") || !end.contains("sum_received")) {
    r.error = "iperf3 reported no UDP sums";
    return r;
  }
  const auto& sent = end["sum_sent"];
  const auto& received = end["sum_received"];
  r.seconds = received.value("seconds", 0.0);
  r.sender_mbps = sent.value("bits_per_second", 0.0) / 1e6;
  r.receiver_mbps = received.value("bits_per_second", 0.0) / 1e6;
  r.sent_packets = sent.value("packets", 0LL);
  r.expected_packets = received.value("packets", 0LL);
  r.lost_packets = received.value("lost_packets", 0LL);
  r.loss_percent = received.value("lost_percent", 0.0);
  r.received_bytes = received.value("bytes", 0LL);
  if (end.contains("cpu_utilization_percent")) {
    r.client_cpu_percent = end["cpu_utilization_percent"].value("host_total", 0.0);
    r.server_cpu_percent = end["cpu_utilization_percent"].value("remote_total", 0.0);
  }
  return r;
}

}  // namespace phantasm::bench
