#include "harness/linux/worker.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include <atomic>
#include <cstring>
#include <stdexcept>
#include <string>

#include "harness/linux/tun_device.h"

namespace phantasm::linux_host {
namespace {

std::atomic<bool> truncation_warned{false};

constexpr size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

}  // namespace

Worker::Worker(boost::asio::io_context& io, WorkerSettings settings)
    : io_(io),
      settings_(std::move(settings)),
      endpoint_(settings_.engine, settings_.seed, *this),
      tun_stride_(round_up(settings_.tun_packet_max, 64)),
      tun_buffers_(new uint8_t[tun_stride_ * settings_.batch]),
      tun_watch_(io, settings_.tun_fd, [this] { return drain_tun(); }),
      udp_batch_(settings_.batch, settings_.max_payload),
      send_queue_(settings_.batch),
      timer_(io),
      log_timer_(io) {
  if (settings_.null_engine) null_engine_ = std::make_unique<NullEngine>(settings_.engine, *this);
}

Worker::~Worker() = default;

void Worker::start() { tun_watch_.start(); }

Time Worker::now() const {
  return Time{std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() -
                                                   settings_.epoch)};
}

void Worker::shutdown() {
  Time t = now();
  endpoint_.close_all(t);
  flush_sends();
  timer_.cancel();
  log_timer_.cancel();
  for (const auto& summary : log_limiter_.take_all()) {
    spdlog::log(static_cast<spdlog::level::level_enum>(summary.tag), "{}", summary.text());
  }
}

void Worker::log_summaries(std::chrono::steady_clock::time_point t) {
  for (const auto& summary : log_limiter_.take_summaries(t)) {
    spdlog::log(static_cast<spdlog::level::level_enum>(summary.tag), "{}", summary.text());
  }
  auto due = log_limiter_.next_summary_due();
  if (!due || (log_timer_armed_for_ && *log_timer_armed_for_ <= *due)) return;
  log_timer_armed_for_ = due;
  log_timer_.expires_at(*due);
  log_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // re-armed earlier, or shut down
    log_timer_armed_for_.reset();
    log_summaries(std::chrono::steady_clock::now());
  });
}

WorkerSnapshot Worker::snapshot() const {
  return WorkerSnapshot{endpoint_.counters(), counters_, endpoint_.flow_count(),
                        endpoint_.half_open_count()};
}

void Worker::send_packet(std::span<const uint8_t> packet) {
  if (int err = tun_write(settings_.tun_fd, packet); err != 0) {
    ++counters_.tun_write_errors;
    spdlog::debug("TUN write of {} bytes failed: {}", packet.size(), std::strerror(err));
    return;
  }
  ++counters_.tun_packets_written;
}

bool Worker::drain_tun() {
  Time t = now();
  for (size_t i = 0; i < settings_.batch; ++i) {
    std::span<uint8_t> buffer(tun_buffers_.get() + i * tun_stride_, tun_stride_);
    ssize_t n = tun_read(settings_.tun_fd, buffer);
    if (n == 0) {
      finish_batch(t);
      return false;
    }
    if (n < 0) {
      // The device is gone or broken (someone deleted it, EBADFD...): readiness would fire
      // forever, so end the worker and with it the daemon, as a non-zero exit.
      ++counters_.tun_read_errors;
      finish_batch(t);
      throw std::runtime_error(std::string("TUN read failed: ") +
                               std::strerror(static_cast<int>(-n)));
    }
    ++counters_.tun_packets_read;
    std::span<const uint8_t> packet = buffer.first(static_cast<size_t>(n));
    if (size_t owner = settings_.steering.owner(packet, settings_.index); owner != settings_.index) {
      hand_off(owner, packet);
      continue;
    }
    to_engine(packet, t);
  }
  finish_batch(t);
  return true;  // budget spent; more may be waiting
}

void Worker::hand_off(size_t owner, std::span<const uint8_t> packet) {
  Worker* target = owner < peers_.size() ? peers_[owner] : nullptr;
  if (target == nullptr) {
    to_engine(packet, now());  // no peers wired: keep it
    return;
  }
  if (target->handoffs_in_flight_.fetch_add(1, std::memory_order_relaxed) >= kMaxHandoffsInFlight) {
    target->handoffs_in_flight_.fetch_sub(1, std::memory_order_relaxed);
    ++counters_.handoffs_dropped;
    return;
  }
  ++counters_.handoffs;
  boost::asio::post(target->io_, [target, copy = std::vector<uint8_t>(packet.begin(), packet.end())] {
    target->receive_handoff(copy);
  });
}

void Worker::receive_handoff(const std::vector<uint8_t>& packet) {
  handoffs_in_flight_.fetch_sub(1, std::memory_order_relaxed);
  Time t = now();
  to_engine(packet, t);
  finish_batch(t);
}

void Worker::to_engine(std::span<const uint8_t> packet, Time t) {
  if (null_engine_) return null_engine_->on_network_packet(packet);
  endpoint_.on_network_packet(packet, t);
}

void Worker::queue_datagram(int fd, std::span<const uint8_t> payload,
                            const RawSockaddr* destination, const IpAddress* source) {
  send_queue_.add(fd, payload, destination, source);
  if (send_queue_.full()) flush_sends();
}

void Worker::flush_sends() {
  if (send_queue_.empty()) return;
  SendOutcome outcome = send_queue_.flush();
  counters_.udp_datagrams_sent += outcome.sent;
  counters_.udp_send_full += outcome.dropped_full;
  counters_.udp_send_errors += outcome.dropped_error;
  if (outcome.dropped_error > 0) {
    spdlog::debug("UDP send failed: {}", std::strerror(outcome.last_error));
  }
}

void Worker::finish_batch(Time t) {
  flush_sends();
  report_path_mtu();
  report_handshake_failures(t);
  if (!flows_to_close_.empty()) {
    auto closing = std::move(flows_to_close_);
    flows_to_close_.clear();
    for (FlowId flow : closing) endpoint_.close_flow(flow, t);
    flush_sends();
  }
  rearm_timer();
}

void Worker::count_truncated(size_t i) {
  ++counters_.udp_truncated;
  if (!truncation_warned.exchange(true)) {
    auto from = udp_batch_.source(i);
    spdlog::warn(
        "dropped a UDP datagram{} larger than the tunnel carries ({} bytes of payload at this "
        "MTU); raise --mtu or lower the application's packet size (counted as udp_truncated; "
        "warned once)",
        from ? " from " + from->to_string() : std::string(), settings_.max_payload);
  }
}

void Worker::count_kernel_drops(KernelDropTracker& tracker, const ReceiveOutcome& outcome) {
  if (outcome.kernel_drops) counters_.udp_kernel_drops += tracker.update(*outcome.kernel_drops);
}

void Worker::rearm_timer() {
  Time deadline = endpoint_.next_deadline();
  if (deadline == timer_armed_for_) return;
  timer_armed_for_ = deadline;
  if (deadline.is_never()) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(settings_.epoch + std::chrono::duration_cast<
                                          std::chrono::steady_clock::duration>(deadline.since_epoch));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // re-armed or cancelled
    timer_armed_for_ = Time::never();
    Time t = now();
    endpoint_.on_timer(t);
    finish_batch(t);
  });
}

void Worker::report_path_mtu() {
  const uint32_t mtu = endpoint_.counters().path_mtu_reported;
  if (mtu == 0 || mtu == path_mtu_warned_) return;
  path_mtu_warned_ = mtu;
  if (mtu >= settings_.tun_packet_max) return;
  spdlog::warn("ICMP reports a path MTU of {} bytes, below the TUN's {}: datagrams over {} bytes "
               "(IPv6: {}) are lost on the way; lower --mtu to {} (counted as icmp-too-big)",
               mtu, settings_.tun_packet_max, mtu > 40 ? mtu - 40 : 0, mtu > 60 ? mtu - 60 : 0, mtu);
}

void Worker::report_handshake_failures(Time t) {
  const uint64_t failed = endpoint_.counters().handshakes_failed;
  if (failed == handshakes_failed_reported_ || t < handshake_warning_after_) return;
  const EngineConfig& c = endpoint_.config();
  if (c.role == Role::kClient) {
    spdlog::warn("{} handshake(s) with {} got no answer after {} SYN(s); the flows retry with "
                 "backoff (up to {} s) and count what they cannot carry as handshake-failed",
                 failed - handshakes_failed_reported_, c.remote.to_string(), c.handshake_attempts,
                 std::chrono::duration_cast<std::chrono::seconds>(c.reconnect_backoff_max).count());
  } else {
    spdlog::warn("{} handshake(s) from clients never completed (no ACK after {} SYN-ACK(s))",
                 failed - handshakes_failed_reported_, c.handshake_attempts);
  }
  handshakes_failed_reported_ = failed;
  handshake_warning_after_ = t + std::chrono::seconds(10);
}

}  // namespace phantasm::linux_host
