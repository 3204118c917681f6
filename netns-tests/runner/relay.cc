#include "netns-tests/runner/relay.h"

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

extern "C" {
#include <libnetfilter_queue/libnetfilter_queue.h>
}

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <queue>
#include <string>

#include "harness/middlebox/from_scenario.h"
#include "harness/scenario/parse.h"
#include "netns-tests/runner/raw_injector.h"

namespace phantasm::netns {
namespace {

using middlebox::Direction;
using middlebox::Outputs;

Time monotonic_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return Time::from_ns(static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec);
}

// A packet waiting for its release time: a queued packet's verdict, or an injection.
struct Held {
  Time release;
  uint64_t order;  // FIFO among equal release times
  bool is_verdict;
  uint32_t packet_id;
  std::vector<uint8_t> bytes;
  bool operator>(const Held& o) const { return release != o.release ? release > o.release : order > o.order; }
};

struct RelayCounters {
  uint64_t packets = 0;
  uint64_t accepted = 0;
  uint64_t rewritten = 0;
  uint64_t dropped = 0;
  uint64_t delayed = 0;
  uint64_t queue_overruns = 0;
  uint64_t triggers = 0;
};

class Relay {
 public:
  Relay(std::unique_ptr<middlebox::Pipeline> pipeline, unsigned lan_index)
      : pipeline_(std::move(pipeline)), lan_index_(lan_index) {}

  void open(uint16_t queue_number);
  int loop();
  nlohmann::json stats() const;

 private:
  static int on_queued(nfq_q_handle* qh, nfgenmsg*, nfq_data* nfad, void* self);
  void handle(nfq_q_handle* qh, nfq_data* nfad);
  void dispose(Direction dir, uint32_t id, std::span<const uint8_t> original, Outputs& out, Time now);
  void emit_injected(Outputs& out, Time now);
  void release_due(Time now);
  void release_all();
  int poll_timeout_ms(Time now) const;
  void read_commands(int fd, Time now);

  std::unique_ptr<middlebox::Pipeline> pipeline_;
  unsigned lan_index_;
  nfq_handle* handle_ = nullptr;
  nfq_q_handle* queue_ = nullptr;
  RawInjector injector_;
  std::priority_queue<Held, std::vector<Held>, std::greater<>> held_;
  uint64_t order_ = 0;
  RelayCounters counters_;
  std::string command_buffer_;
};

void Relay::open(uint16_t queue_number) {
  handle_ = nfq_open();
  if (!handle_) throw std::runtime_error("nfq_open failed (needs CAP_NET_ADMIN in the namespace)");
  queue_ = nfq_create_queue(handle_, queue_number, &Relay::on_queued, this);
  if (!queue_) throw std::runtime_error("cannot bind NFQUEUE " + std::to_string(queue_number) + " (taken?)");
  if (nfq_set_mode(queue_, NFQNL_COPY_PACKET, 0xFFFF) < 0) throw std::runtime_error("nfq_set_mode failed");
  nfq_set_queue_maxlen(queue_, 8192);
  // A deep socket buffer: a burst must not overrun the queue while a model is busy.
  nfnl_rcvbufsiz(nfq_nfnlh(handle_), 16 << 20);
}

int Relay::on_queued(nfq_q_handle* qh, nfgenmsg*, nfq_data* nfad, void* self) {
  static_cast<Relay*>(self)->handle(qh, nfad);
  return 0;
}

void Relay::handle(nfq_q_handle*, nfq_data* nfad) {
  const nfqnl_msg_packet_hdr* header = nfq_get_msg_packet_hdr(nfad);
  if (!header) return;
  const uint32_t id = ntohl(header->packet_id);
  unsigned char* data = nullptr;
  const int len = nfq_get_payload(nfad, &data);
  ++counters_.packets;
  if (len <= 0) {
    nfq_set_verdict(queue_, id, NF_ACCEPT, 0, nullptr);
    return;
  }
  const Direction dir = nfq_get_indev(nfad) == lan_index_ ? Direction::kClientToServer : Direction::kServerToClient;
  const std::span<const uint8_t> packet(data, static_cast<size_t>(len));
  const Time now = monotonic_now();
  Outputs out;
  pipeline_->on_packet(dir, packet, now, out);
  dispose(dir, id, packet, out, now);
}

void Relay::dispose(Direction dir, uint32_t id, std::span<const uint8_t> original, Outputs& out, Time now) {
  bool verdict_given = false;
  for (middlebox::Output& o : out) {
    // The packet itself can only continue as the queue's verdict, once, in its own direction;
    // everything else is injected.
    if (!verdict_given && !o.injected && o.direction == dir) {
      verdict_given = true;
      const bool changed = !std::equal(o.bytes.begin(), o.bytes.end(), original.begin(), original.end());
      counters_.rewritten += changed ? 1 : 0;
      if (o.delay.count() > 0) {
        ++counters_.delayed;
        held_.push(Held{now + o.delay, order_++, true, id, std::move(o.bytes)});
      } else {
        ++counters_.accepted;
        nfq_set_verdict(queue_, id, NF_ACCEPT, static_cast<uint32_t>(o.bytes.size()), o.bytes.data());
      }
      continue;
    }
    if (o.delay.count() > 0) {
      held_.push(Held{now + o.delay, order_++, false, 0, std::move(o.bytes)});
    } else {
      injector_.send(o.bytes);
    }
  }
  if (!verdict_given) {
    ++counters_.dropped;
    nfq_set_verdict(queue_, id, NF_DROP, 0, nullptr);
  }
}

void Relay::emit_injected(Outputs& out, Time now) {
  for (middlebox::Output& o : out) {
    if (o.delay.count() > 0) held_.push(Held{now + o.delay, order_++, false, 0, std::move(o.bytes)});
    else injector_.send(o.bytes);
  }
}

void Relay::release_due(Time now) {
  while (!held_.empty() && held_.top().release <= now) {
    Held h = held_.top();
    held_.pop();
    if (h.is_verdict) {
      ++counters_.accepted;
      nfq_set_verdict(queue_, h.packet_id, NF_ACCEPT, static_cast<uint32_t>(h.bytes.size()), h.bytes.data());
    } else {
      injector_.send(h.bytes);
    }
  }
}

void Relay::release_all() { release_due(Time::never()); }

int Relay::poll_timeout_ms(Time now) const {
  Time next = pipeline_->next_deadline();
  if (!held_.empty()) next = earliest(next, held_.top().release);
  if (next.is_never()) return 1000;
  if (next <= now) return 0;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
  return static_cast<int>(std::min<int64_t>(ms + 1, 1000));
}

void Relay::read_commands(int fd, Time now) {
  char buf[256];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  if (n <= 0) return;
  command_buffer_.append(buf, static_cast<size_t>(n));
  size_t eol;
  while ((eol = command_buffer_.find('\n')) != std::string::npos) {
    const std::string line = command_buffer_.substr(0, eol);
    command_buffer_.erase(0, eol + 1);
    if (line == "trigger") {
      ++counters_.triggers;
      Outputs out;
      pipeline_->trigger(now, out);
      emit_injected(out, now);
    }
  }
}

int Relay::loop() {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  const int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
  const int qfd = nfq_fd(handle_);
  std::vector<char> buf(1 << 17);
  bool stdin_open = true;
  for (;;) {
    pollfd fds[3] = {{qfd, POLLIN, 0}, {sfd, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
    ::poll(fds, 3, poll_timeout_ms(monotonic_now()));
    if (fds[1].revents) break;
    if (fds[0].revents & POLLIN) {
      for (;;) {
        const ssize_t n = ::recv(qfd, buf.data(), buf.size(), MSG_DONTWAIT);
        if (n < 0) {
          if (errno == ENOBUFS) {  // the kernel dropped queued packets: count it, go on
            ++counters_.queue_overruns;
            continue;
          }
          break;
        }
        nfq_handle_packet(handle_, buf.data(), static_cast<int>(n));
      }
    }
    if (fds[2].revents & (POLLIN | POLLHUP)) {
      if (fds[2].revents & POLLHUP && !(fds[2].revents & POLLIN)) stdin_open = false;
      read_commands(0, monotonic_now());
    }
    const Time now = monotonic_now();
    release_due(now);
    if (pipeline_->next_deadline() <= now) {
      Outputs out;
      pipeline_->on_timer(now, out);
      emit_injected(out, now);
    }
  }
  release_all();
  nfq_destroy_queue(queue_);
  nfq_close(handle_);
  return 0;
}

nlohmann::json Relay::stats() const {
  nlohmann::json models = nlohmann::json::array();
  for (const auto& m : pipeline_->models()) {
    const auto& c = m->counters();
    models.push_back({{"model", std::string(m->name())}, {"seen", c.seen}, {"passed", c.passed},
                      {"rewritten", c.rewritten}, {"dropped", c.dropped}, {"injected", c.injected}});
  }
  return {{"packets", counters_.packets},     {"accepted", counters_.accepted},
          {"rewritten", counters_.rewritten}, {"dropped", counters_.dropped},
          {"delayed", counters_.delayed},     {"queue_overruns", counters_.queue_overruns},
          {"triggers", counters_.triggers},   {"injected_sent", injector_.sent()},
          {"injected_failed", injector_.failed()}, {"models", models}};
}

uint64_t mix(uint64_t seed, const std::string& name) {
  uint64_t h = seed ^ 0x9E3779B97F4A7C15ull;
  for (char c : name) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
  return h;
}

}  // namespace

int run_relay(int argc, char** argv) {
  CLI::App app("Hosts a scenario middlebox's models on NFQUEUE in its namespace", "phantasm netns relay");
  std::string scenario_file;
  std::string box_name;
  uint16_t queue = 0;
  std::string stats_file;
  app.add_option("--scenario", scenario_file, "scenario file")->required();
  app.add_option("--box", box_name, "middlebox name in the scenario")->required();
  app.add_option("--queue", queue, "NFQUEUE number")->required();
  app.add_option("--stats", stats_file, "write counters as JSON here on exit");
  CLI11_PARSE(app, argc, argv);
  try {
    const scenario::Scenario s = scenario::load_scenario(scenario_file);
    const scenario::Middlebox* box = s.find_middlebox(box_name);
    if (!box) throw std::runtime_error("no middlebox '" + box_name + "' in " + scenario_file);
    const unsigned lan = if_nametoindex("lan");
    if (lan == 0) throw std::runtime_error("no interface 'lan' in this namespace");
    Relay relay(middlebox::build_pipeline(*box, mix(s.seed, box_name), middlebox::Hosting::kRelayOnly), lan);
    relay.open(queue);
    std::fprintf(stderr, "relay: box %s on queue %u ready\n", box_name.c_str(), queue);
    const int rc = relay.loop();
    if (!stats_file.empty()) std::ofstream(stats_file) << relay.stats().dump(2) << "\n";
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "relay: %s\n", e.what());
    return 1;
  }
}

}  // namespace phantasm::netns
