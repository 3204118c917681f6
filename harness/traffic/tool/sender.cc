#include "harness/traffic/tool/sender.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <random>
#include <thread>
#include <utility>

#include "harness/traffic/format/datagram.h"
#include "harness/traffic/tool/clock.h"
#include "harness/traffic/tool/errors.h"
#include "harness/traffic/tool/pacer.h"
#include "harness/traffic/tool/udp_socket.h"

namespace phantasm::traffic {

// A flow's counters are written by one thread each: `sent*` by the sending thread, `echoed*`,
// the tracker and `kernel_drops` by the echo thread. The atomics are what the other thread
// reads while the run is going (progress, the early end of the grace period).
struct Sender::Flow {
  Flow(UdpSocket s, uint32_t flow_id, uint32_t window) : socket(std::move(s)), id(flow_id), tracker(window) {}

  UdpSocket socket;
  uint32_t id;
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> sent_bytes{0};
  std::atomic<uint64_t> echoed{0};
  std::atomic<uint64_t> echoed_bytes{0};
  std::atomic<bool> warmed{false};  // a warm-up datagram came back
  FlowTracker tracker;
  uint32_t kernel_drops = 0;
};

namespace {

constexpr int kEndOfFlowCopies = 3;
constexpr uint64_t kWarmupIntervalNs = 10'000'000;
constexpr uint64_t kEndOfFlowSpacingNs = 10'000'000;
constexpr uint64_t kMaxSleepNs = 50'000'000;  // how late a stop request may be noticed
constexpr size_t kEchoBatch = 64;
constexpr size_t kReceiveCapacity = 65536;  // any UDP datagram fits: nothing is truncated

uint32_t random_session() {
  std::random_device device;
  uint32_t session = 0;
  while (session == 0) session = device();
  return session;
}

// How many datagrams to let the token bucket collect before waking up: about 200 us worth, so
// high rates go out in sendmmsg batches and low rates are sent one datagram at a time.
uint32_t wake_batch(const Rate& rate, double mean_size, size_t batch) {
  if (rate.unlimited()) return static_cast<uint32_t>(batch);
  const double pps = rate.unit == Rate::Unit::packets_per_second ? rate.per_second : rate.per_second / (8 * mean_size);
  return static_cast<uint32_t>(std::clamp<double>(pps * 200e-6, 1, static_cast<double>(batch)));
}

// One socket per flow: thousands of flows need more descriptors than the usual soft limit of
// 1024. Raising the soft limit up to the hard one needs no privilege.
void raise_file_limit(size_t wanted) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted) return;
  limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, wanted);
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

void wait_writable(int fd, int timeout_ms) {
  pollfd p{fd, POLLOUT, 0};
  ::poll(&p, 1, timeout_ms);
}

}  // namespace

Sender::Sender(SenderOptions options) : options_(std::move(options)) {
  if (options_.session == 0) options_.session = random_session();
  raise_file_limit(options_.flows + 16);
  if (options_.bind && options_.bind->family() != options_.target.family()) {
    throw RuntimeError(fmt::format("--bind {} and --target {} are not the same IP version",
                                   options_.bind->to_string(), options_.target.to_string()));
  }
  for (size_t i = 0; i < options_.flows; ++i) {
    UdpSocket socket(options_.target.family());
    const BufferSizes granted = socket.raise_buffers(options_.socket_buffer);
    granted_receive_buffer_ = granted.receive;
    granted_send_buffer_ = granted.send;
    if (options_.bind) {
      Endpoint local = *options_.bind;
      if (local.port() != 0) {
        if (local.port() + i > 65535) throw RuntimeError("--bind: not enough ports above the first for every flow");
        local.set_port(static_cast<uint16_t>(local.port() + i));
      }
      socket.bind(local);
    }
    socket.enable_drop_counter();
    socket.connect(options_.target);
    flows_.push_back(std::make_unique<Flow>(std::move(socket), static_cast<uint32_t>(i), options_.reorder_window));
  }
  if (options_.echo) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) throw_errno("epoll_create1", errno);
    for (size_t i = 0; i < flows_.size(); ++i) {
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.u64 = i;
      if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, flows_[i]->socket.fd(), &event) != 0) throw_errno("epoll_ctl", errno);
    }
  }
}

Sender::~Sender() {
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

// The echo thread, stopped and joined however the run ends (a send error throws).
class Sender::EchoThread {
 public:
  EchoThread(Sender& sender, bool enabled) {
    if (!enabled) return;
    thread_ = std::thread([this, &sender] {
      try {
        sender.receive_echoes(stop_);
      } catch (...) {
        failure_ = std::current_exception();
      }
    });
  }
  ~EchoThread() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  // Stops it; rethrows what it threw, if anything.
  void stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  }

 private:
  std::atomic<bool> stop_{false};
  std::exception_ptr failure_;
  std::thread thread_;
};

RunReport Sender::run(const std::atomic<bool>& stop) {
  const uint64_t run_start_ns = monotonic_ns();
  EchoThread echo_thread(*this, options_.echo);
  warm_up(stop);
  const uint64_t start_ns = monotonic_ns();
  ProgressLine progress(options_.progress, start_ns);
  const SendTotals totals = send_all(stop, start_ns, progress);
  send_end_of_flow();
  sending_done_.store(true);

  if (options_.echo) {
    const uint64_t grace_end = monotonic_ns() + static_cast<uint64_t>(options_.grace.count());
    for (uint64_t now = monotonic_ns(); now < grace_end && !stop.load() && !all_echoed_.load(); now = monotonic_ns()) {
      if (progress.due(now)) progress.print(now, progress_text(progress.interval_seconds()));
      sleep_until_ns(std::min(grace_end, now + 5'000'000));
    }
  }
  echo_thread.stop();
  return build_report(totals, run_start_ns, monotonic_ns(), stop.load());
}

void Sender::warm_up(const std::atomic<bool>& stop) {
  if (options_.warmup.count() <= 0) return;
  const uint64_t start = monotonic_ns();
  const uint64_t end = start + static_cast<uint64_t>(options_.warmup.count());
  std::vector<uint8_t> datagram(kMinDatagramSize);
  uint64_t round = 0;
  auto all_warmed = [&] {
    return std::all_of(flows_.begin(), flows_.end(), [](const auto& flow) { return flow->warmed.load(); });
  };
  for (uint64_t now = start; now < end && !stop.load(); now = monotonic_ns(), ++round) {
    if (options_.echo && all_warmed()) break;
    for (const auto& flow : flows_) {
      if (flow->warmed.load()) continue;
      write_datagram({DatagramKind::warmup, options_.session, flow->id, round, now}, datagram);
      [[maybe_unused]] const ssize_t rc = ::send(flow->socket.fd(), datagram.data(), datagram.size(), MSG_DONTWAIT);
    }
    sleep_until_ns(std::min(end, now + kWarmupIntervalNs));
  }
  const double took_ms = static_cast<double>(monotonic_ns() - start) * 1e-6;
  if (!options_.echo) {
    warmup_note_ = fmt::format("warm-up: {:.0f} ms of warm-up datagrams before the run", took_ms);
    return;
  }
  const auto cold = std::count_if(flows_.begin(), flows_.end(), [](const auto& flow) { return !flow->warmed.load(); });
  warmup_note_ = cold == 0 ? fmt::format("warm-up: every flow had an echo after {:.0f} ms", took_ms)
                           : fmt::format("warm-up: {} of {} flows had no echo after {:.0f} ms", cold, flows_.size(), took_ms);
}

Sender::SendTotals Sender::send_all(const std::atomic<bool>& stop, uint64_t start_ns, ProgressLine& progress) {
  SendTotals totals;
  Rng size_rng(options_.seed);
  Pacer pacer(options_.rate, start_ns);
  DatagramBatch out(options_.batch, options_.sizes.max());
  std::vector<uint32_t> sizes(options_.batch);
  const uint32_t wake_after = wake_batch(options_.rate, options_.sizes.mean(), options_.batch);
  const uint64_t deadline = options_.count ? UINT64_MAX : start_ns + static_cast<uint64_t>(options_.duration.count());
  uint32_t next_size = options_.sizes.draw(size_rng);
  size_t next_flow = 0;
  size_t finished_flows = 0;
  std::vector<uint64_t> sent(flows_.size(), 0);  // this thread's copy of each flow's count

  while (!stop.load(std::memory_order_relaxed) && finished_flows < flows_.size()) {
    uint64_t now = monotonic_ns();
    if (now >= deadline) break;
    if (progress.due(now)) progress.print(now, progress_text(progress.interval_seconds()));

    Flow& flow = *flows_[next_flow];
    const size_t index = next_flow;
    next_flow = (next_flow + 1) % flows_.size();
    uint64_t quota = options_.batch;
    if (options_.count) {
      if (sent[index] >= *options_.count) continue;
      quota = std::min<uint64_t>(quota, *options_.count - sent[index]);
    }
    size_t ready = 0;
    while (ready < quota && pacer.try_take(next_size, now)) {
      sizes[ready++] = next_size;
      next_size = options_.sizes.draw(size_rng);
    }
    if (ready == 0) {
      const uint64_t wake = pacer.ready_at(wake_after, next_size, now);
      sleep_until_ns(std::min({wake, deadline, now + kMaxSleepNs}));
      continue;
    }
    now = monotonic_ns();
    for (size_t i = 0; i < ready; ++i) {
      const DatagramHeader header{DatagramKind::data, options_.session, flow.id, sent[index] + i, now};
      write_datagram(header, out.buffer(i).first(sizes[i]));
    }
    const size_t accepted = out.send_connected(flow.socket.fd(), std::span(sizes).first(ready));
    for (size_t i = accepted; i < ready; ++i) pacer.give_back(sizes[i]);
    if (accepted > 0) {
      if (totals.first_send_ns == 0) totals.first_send_ns = now;
      totals.last_send_ns = now;
      uint64_t bytes = 0;
      for (size_t i = 0; i < accepted; ++i) bytes += sizes[i];
      sent[index] += accepted;
      flow.sent.store(sent[index], std::memory_order_relaxed);
      flow.sent_bytes.fetch_add(bytes, std::memory_order_relaxed);
      if (options_.count && sent[index] == *options_.count) ++finished_flows;
    }
    if (accepted < ready) wait_writable(flow.socket.fd(), 10);  // the send buffer is full
  }
  send_refused_ = out.refused();
  return totals;
}

// Each flow announces how many data datagrams it sent, a few times over in case some are lost;
// a sink then counts losses at the tail of the flow too.
void Sender::send_end_of_flow() {
  std::vector<uint8_t> datagram(kMinDatagramSize);
  for (int copy = 0; copy < kEndOfFlowCopies; ++copy) {
    if (copy > 0) sleep_until_ns(monotonic_ns() + kEndOfFlowSpacingNs);
    for (const auto& flow : flows_) {
      write_datagram({DatagramKind::end_of_flow, options_.session, flow->id, flow->sent.load(), monotonic_ns()},
                     datagram);
      // Best effort: a full buffer or an ICMP error only costs this copy.
      [[maybe_unused]] const ssize_t rc = ::send(flow->socket.fd(), datagram.data(), datagram.size(), MSG_DONTWAIT);
    }
  }
}

void Sender::receive_echoes(const std::atomic<bool>& stop_receiving) {
  DatagramBatch batch(kEchoBatch, kReceiveCapacity);
  std::vector<epoll_event> events(flows_.size());
  while (!stop_receiving.load()) {
    const int ready = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 20);
    for (int e = 0; e < ready; ++e) {
      Flow& flow = *flows_[events[static_cast<size_t>(e)].data.u64];
      for (size_t n = batch.receive(flow.socket.fd()); n > 0; n = batch.receive(flow.socket.fd())) {
        receive_batch(flow, batch, n);
        if (n < batch.capacity()) break;  // drained
      }
    }
    echo_refused_.store(batch.refused(), std::memory_order_relaxed);
    if (sending_done_.load() && all_echoed()) all_echoed_.store(true);
  }
}

void Sender::receive_batch(Flow& flow, const DatagramBatch& batch, size_t count) {
  const uint64_t now = monotonic_ns();
  flow.kernel_drops = std::max(flow.kernel_drops, batch.kernel_drops());
  uint64_t delivered = 0, bytes = 0;
  for (size_t i = 0; i < count; ++i) {
    const Decoded decoded = batch.truncated(i) ? Decoded::rejected(Defect::bad_length, kReceiveCapacity)
                                               : decode_datagram(batch.datagram(i));
    if (decoded.ok && decoded.header.kind == DatagramKind::warmup) {
      if (decoded.header.session == options_.session && decoded.header.flow == flow.id) flow.warmed.store(true);
      continue;
    }
    // An intact datagram of another flow or run on this socket is as wrong as a damaged one.
    if (decoded.ok && (decoded.header.session != options_.session || decoded.header.flow != flow.id)) {
      flow.tracker.on_rejected(Defect::misdirected, now);
      continue;
    }
    const Arrival arrival = flow.tracker.on_datagram(decoded, now);
    if (arrival == Arrival::in_order || arrival == Arrival::reordered) {
      ++delivered;
      bytes += decoded.size;
      round_trip_.record(now - std::min(now, decoded.header.send_ns));
    }
  }
  flow.echoed.fetch_add(delivered, std::memory_order_relaxed);
  flow.echoed_bytes.fetch_add(bytes, std::memory_order_relaxed);
}

bool Sender::all_echoed() const {
  return std::all_of(flows_.begin(), flows_.end(),
                     [](const auto& flow) { return flow->echoed.load() >= flow->sent.load(); });
}

std::string Sender::progress_text(double interval_s) {
  uint64_t sent = 0, sent_bytes = 0, echoed = 0, echoed_bytes = 0;
  for (const auto& flow : flows_) {
    sent += flow->sent.load(std::memory_order_relaxed);
    sent_bytes += flow->sent_bytes.load(std::memory_order_relaxed);
    echoed += flow->echoed.load(std::memory_order_relaxed);
    echoed_bytes += flow->echoed_bytes.load(std::memory_order_relaxed);
  }
  std::string text = fmt::format("sent {} ({})", sent, sent_rate_.update(sent, sent_bytes, interval_s));
  if (options_.echo) {
    text += fmt::format("  echoed {} ({})  outstanding {}", echoed, echo_rate_.update(echoed, echoed_bytes, interval_s),
                        sent - std::min(sent, echoed));
  }
  return text;
}

RunReport Sender::build_report(const SendTotals& totals, uint64_t start_ns, uint64_t end_ns, bool interrupted) {
  RunReport report;
  report.mode = "send";
  report.elapsed_seconds = static_cast<double>(end_ns - start_ns) * 1e-9;
  report.interrupted = interrupted;
  report.settings = {
      {"target", options_.target.to_string()},
      {"flows", std::to_string(options_.flows)},
      {"rate", options_.rate.describe()},
      {"size", options_.sizes.text()},
      {"count_per_flow", options_.count ? std::to_string(*options_.count) : "-"},
      {"duration_s", options_.count ? "-" : fmt::format("{:g}", static_cast<double>(options_.duration.count()) * 1e-9)},
      {"echo", options_.echo ? "yes" : "no"},
      {"warmup_s", fmt::format("{:g}", static_cast<double>(options_.warmup.count()) * 1e-9)},
      {"session", fmt::format("{:08x}", options_.session)},
      {"receive_buffer", std::to_string(granted_receive_buffer_)},
      {"send_buffer", std::to_string(granted_send_buffer_)},
  };

  DirectionReport sent;
  sent.name = "sent";
  sent.receiving = false;
  sent.flows = flows_.size();
  for (const auto& flow : flows_) {
    sent.counts.sent += flow->sent.load();
    sent.bytes += flow->sent_bytes.load();
  }
  sent.refused = send_refused_ + echo_refused_.load();
  sent.packets = sent.counts.sent;
  sent.seconds = static_cast<double>(totals.last_send_ns - totals.first_send_ns) * 1e-9;
  report.directions.push_back(sent);

  if (options_.echo) {
    DirectionReport echoed;
    echoed.name = "echoed";
    echoed.flows = flows_.size();
    for (const auto& flow : flows_) {
      flow->tracker.set_sent(flow->sent.load());
      const TrafficCounts counts = flow->tracker.counts();
      echoed.counts += counts;
      echoed.kernel_drops += flow->kernel_drops;
      report.flows.push_back({"echoed", options_.target.to_string(), options_.session, flow->id, counts});
    }
    echoed.packets = echoed.counts.delivered;
    echoed.bytes = echoed.counts.delivered_bytes;
    echoed.seconds = static_cast<double>(echoed.counts.last_arrival_ns - echoed.counts.first_arrival_ns) * 1e-9;
    echoed.round_trip = round_trip_;
    report.directions.push_back(echoed);
  }
  if (!warmup_note_.empty()) report.notes.push_back(warmup_note_);
  if (!options_.rate.unlimited() && sent.seconds > 0) {
    // A sender that falls behind (CPU, a full socket buffer) offers less than asked: say so, as
    // a "loss-free at rate R" claim must be about the rate actually offered.
    const double offered = options_.rate.unit == Rate::Unit::packets_per_second ? sent.kpps() * 1e3
                                                                                 : sent.mbit_per_second() * 1e6;
    if (offered < 0.98 * options_.rate.per_second) {
      report.notes.push_back(fmt::format("the sender offered {:.1f}% of the {} asked for (it fell behind)",
                                         100 * offered / options_.rate.per_second, options_.rate.describe()));
    }
  }
  const int asked = options_.socket_buffer;
  if (granted_receive_buffer_ < asked || granted_send_buffer_ < asked) {
    report.notes.push_back(fmt::format(
        "socket buffers are {} (receive) and {} (send) bytes, asked for {}: as root udpgen can force them, "
        "otherwise raise net.core.rmem_max and wmem_max", granted_receive_buffer_, granted_send_buffer_, asked));
  }
  return report;
}

}  // namespace phantasm::traffic
