// `udpgen send`: N flows, one connected UDP socket each (so each flow has its own source port
// and, through a tunnel, its own connection), paced to a total rate with sendmmsg batches.
// With echo, a second thread receives the echoed datagrams and tracks them per flow.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "harness/traffic/format/flow_tracker.h"
#include "harness/traffic/tool/endpoint.h"
#include "harness/traffic/tool/progress.h"
#include "harness/traffic/tool/report.h"
#include "harness/traffic/tool/size_distribution.h"
#include "harness/traffic/tool/udp_socket.h"
#include "harness/traffic/tool/units.h"

namespace phantasm::traffic {

struct SenderOptions {
  Endpoint target;
  std::optional<Endpoint> bind;  // local address; a nonzero port is flow 0's, flow i gets port+i
  size_t flows = 1;
  Rate rate;  // over all flows together; unlimited = as fast as the sockets take them
  SizeDistribution sizes = SizeDistribution::fixed(1400);
  std::optional<uint64_t> count;  // datagrams per flow; when unset the run lasts `duration`
  std::chrono::nanoseconds duration = std::chrono::seconds(10);
  bool echo = false;
  // Before the counted run, each flow sends warm-up datagrams (never counted) every 10 ms so a
  // tunnel can set up its connections: for this long, or with echo until every flow had one back.
  std::chrono::nanoseconds warmup{0};
  // How long to wait for late echoes after the last send (ends early once all are back).
  std::chrono::nanoseconds grace = std::chrono::seconds(1);
  int socket_buffer = 4 << 20;
  size_t batch = 32;
  uint64_t seed = 1;     // size draws
  uint32_t session = 0;  // 0: random
  uint32_t reorder_window = kDefaultReorderWindow;
  bool progress = true;
};

class Sender {
 public:
  // Opens, binds and connects every flow's socket; throws RuntimeError.
  explicit Sender(SenderOptions options);
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  // Sends, then waits out the grace period; `stop` (SIGINT/SIGTERM) cuts either short.
  RunReport run(const std::atomic<bool>& stop);

  uint32_t session() const { return options_.session; }

 private:
  struct Flow;
  class EchoThread;
  struct SendTotals {
    uint64_t first_send_ns = 0;
    uint64_t last_send_ns = 0;
  };

  void warm_up(const std::atomic<bool>& stop);
  SendTotals send_all(const std::atomic<bool>& stop, uint64_t start_ns, ProgressLine& progress);
  void send_end_of_flow();
  void receive_echoes(const std::atomic<bool>& stop_receiving);
  void receive_batch(Flow& flow, const DatagramBatch& batch, size_t count);
  bool all_echoed() const;
  std::string progress_text(double interval_s);
  RunReport build_report(const SendTotals& totals, uint64_t start_ns, uint64_t end_ns, bool interrupted);

  SenderOptions options_;
  std::vector<std::unique_ptr<Flow>> flows_;
  std::atomic<bool> sending_done_{false};
  std::atomic<bool> all_echoed_{false};
  uint64_t send_refused_ = 0;              // ICMP errors the sending thread saw
  std::atomic<uint64_t> echo_refused_{0};  // and those the echo thread saw
  int epoll_fd_ = -1;                      // the flows' sockets, for the echo thread
  std::string warmup_note_;
  LatencyHistogram round_trip_;  // owned by the echo thread until it is joined
  int granted_receive_buffer_ = 0;
  int granted_send_buffer_ = 0;
  IntervalRate sent_rate_, echo_rate_;
};

}  // namespace phantasm::traffic
