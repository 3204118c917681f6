// iperf3 in the Phantun README's shape (`-c IP -p PORT -R -u -l L -b B -t T -P N`), and what
// its --json output says: the sender's and the receiver's rate, the datagrams lost, and
// iperf3's own CPU use on both ends.
#pragma once

#include <string>
#include <vector>

namespace phantasm::bench {

struct IperfShape {
  int streams = 1;
  std::string rate_per_stream = "1000m";  // -b applies to each stream
  int length = 1400;
  int seconds = 10;
};

std::vector<std::string> iperf_client_command(const IperfShape& s);
std::vector<std::string> iperf_server_command();

struct IperfResult {
  std::string error;  // empty when the test ran
  double seconds = 0;
  double sender_mbps = 0;
  double receiver_mbps = 0;
  long long sent_packets = 0;
  long long expected_packets = 0;  // what the receiver counted as sent (highest sequence seen)
  long long lost_packets = 0;
  double loss_percent = 0;
  long long received_bytes = 0;
  double client_cpu_percent = 0;  // iperf3 -c: the receiver in -R
  double server_cpu_percent = 0;  // iperf3 -s: the sender in -R
};

// Parses a client's --json output (text around the JSON object is ignored).
IperfResult parse_iperf_json(const std::string& text);

}  // namespace phantasm::bench
