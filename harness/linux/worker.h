// One worker: an io_context thread's worth of tunnel. It owns an Endpoint, one TUN queue and
// its UDP side, feeds the engine from both in batches, and re-arms one timer at the engine's
// next deadline. The UDP side differs by role (ClientWorker, ServerWorker); everything about
// the TUN, the timer and the send batching is here.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "engine/endpoint/endpoint.h"
#include "harness/linux/datagram_batch.h"
#include "harness/linux/flow_steering.h"
#include "harness/linux/host_counters.h"
#include "harness/linux/log_limiter.h"
#include "harness/linux/null_engine.h"
#include "harness/linux/read_watch.h"
#include "harness/linux/udp_socket.h"

namespace phantasm::linux_host {

struct WorkerSettings {
  EngineConfig engine;
  uint64_t seed = 0;
  int tun_fd = -1;            // this worker's TUN queue
  size_t tun_packet_max = 0;  // the TUN MTU: the largest packet the kernel hands us
  size_t max_payload = 0;     // the largest UDP payload the tunnel carries; larger: MSG_TRUNC
  size_t batch = 64;          // datagrams per recvmmsg/sendmmsg, packets per TUN drain round
  std::chrono::steady_clock::time_point epoch;  // engine time 0
  UdpSocketOptions udp;
  size_t index = 0;        // this worker's place among its peers
  FlowSteering steering;   // which worker owns a packet read from the TUN
  bool null_engine = false;  // --null-engine: measure the I/O path alone (null_engine.h)
};

struct WorkerSnapshot {
  EndpointCounters engine;
  HostCounters host;
  size_t flows = 0;
  size_t half_open = 0;
};

class Worker : public EngineSink {
 public:
  Worker(boost::asio::io_context& io, WorkerSettings settings);
  ~Worker() override;
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // The workers of the daemon, indexed like WorkerSettings::index (this one included). Set
  // before any of them runs.
  void set_peers(std::vector<Worker*> peers) { peers_ = std::move(peers); }
  // Starts reading. Call from the worker's thread (or before it runs).
  virtual void start();
  // Closes every flow with a RST, sends what is queued. Call from the worker's thread.
  void shutdown();

  WorkerSnapshot snapshot() const;
  // Client: where new connections (and reconnections) go from now on. On the worker's thread.
  void set_remote(const SocketAddress& remote) { endpoint_.set_remote(remote); }
  std::vector<FlowSnapshot> flows() const { return endpoint_.flows(); }

 protected:
  Time now() const;
  Endpoint& endpoint() { return endpoint_; }
  HostCounters& host_counters() { return counters_; }
  const WorkerSettings& settings() const { return settings_; }
  boost::asio::io_context& io() { return io_; }
  ReceiveBatch& udp_batch() { return udp_batch_; }
  // Set with --null-engine: then it, not endpoint(), gets every input.
  NullEngine* null_engine() { return null_engine_.get(); }

  // Queues a datagram for the UDP side; sent at the end of the batch (or when the queue fills).
  void queue_datagram(int fd, std::span<const uint8_t> payload, const RawSockaddr* destination,
                      const IpAddress* source = nullptr);
  // Closes `flow` once the current engine call has returned (a sink must not call back in).
  void close_flow_later(FlowId flow) { flows_to_close_.push_back(flow); }
  // After every batch of engine input: flush sends, close what close_flow_later asked for,
  // re-arm the timer.
  void finish_batch(Time now);
  // Counts a MSG_TRUNC datagram, warns once per process.
  void count_truncated(size_t i);
  // Feeds SO_RXQ_OVFL into the counters.
  void count_kernel_drops(KernelDropTracker& tracker, const ReceiveOutcome& outcome);
  // A log line that a flow storm could repeat thousands of times a second: at most 10 per
  // `key` per 10 s from this worker, then one summary line with the count (log_limiter.h).
  template <typename... Args>
  void log_limited(spdlog::level::level_enum level, std::string_view key,
                   spdlog::format_string_t<Args...> format, Args&&... args) {
    if (!spdlog::should_log(level)) return;
    const auto t = std::chrono::steady_clock::now();
    const bool allowed = log_limiter_.allow(key, t, static_cast<int>(level));
    log_summaries(t);
    if (allowed) spdlog::log(level, format, std::forward<Args>(args)...);
  }

 private:
  void send_packet(std::span<const uint8_t> packet) override;
  bool drain_tun();
  void to_engine(std::span<const uint8_t> packet, Time now);
  // Passes a TUN packet owned by another worker to it (copied: our buffer is reused).
  void hand_off(size_t owner, std::span<const uint8_t> packet);
  void receive_handoff(const std::vector<uint8_t>& packet);
  void flush_sends();
  void rearm_timer();
  // Handshakes that got no answer leave no flow event while the client keeps retrying: say so
  // in the log, at most every 10 s, with the count since the last line.
  void report_handshake_failures(Time now);
  // An ICMP too-big naming a path MTU below the TUN's: warned once per MTU value.
  void report_path_mtu();
  // Logs the limiter's due summaries and arms log_timer_ for the next one.
  void log_summaries(std::chrono::steady_clock::time_point now);

  boost::asio::io_context& io_;
  WorkerSettings settings_;
  Endpoint endpoint_;
  std::unique_ptr<NullEngine> null_engine_;
  HostCounters counters_;

  // TUN reads: one buffer per packet of a drain round, because deliveries point into them
  // until the send queue is flushed.
  size_t tun_stride_;
  std::unique_ptr<uint8_t[]> tun_buffers_;
  ReadWatch tun_watch_;

  ReceiveBatch udp_batch_;
  SendQueue send_queue_;
  std::vector<FlowId> flows_to_close_;

  std::vector<Worker*> peers_;
  // Hand-offs queued to this worker and not yet processed: bounded, so a stalled worker costs
  // its peers bounded memory (the excess is counted as handoff_dropped).
  static constexpr int kMaxHandoffsInFlight = 4096;
  std::atomic<int> handoffs_in_flight_{0};

  boost::asio::steady_timer timer_;
  Time timer_armed_for_ = Time::never();

  LogLimiter log_limiter_;
  boost::asio::steady_timer log_timer_;
  std::optional<std::chrono::steady_clock::time_point> log_timer_armed_for_;

  uint64_t handshakes_failed_reported_ = 0;
  uint32_t path_mtu_warned_ = 0;
  Time handshake_warning_after_ = Time::zero();
};

}  // namespace phantasm::linux_host
