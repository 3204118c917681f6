#include "apps/daemons/daemon.h"

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <array>
#include <csignal>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <random>
#include <thread>
#include <tuple>
#include <vector>

#include "apps/daemons/auto_rules.h"
#include "apps/daemons/control_socket.h"
#include "apps/daemons/route_guard.h"
#include "apps/daemons/self_check.h"
#include "apps/daemons/stats_line.h"
#include "apps/daemons/status_report.h"
#include "harness/linux/client_worker.h"
#include "harness/linux/server_worker.h"
#include "harness/linux/setup_error.h"
#include "harness/linux/socket_address.h"
#include "harness/linux/tun_device.h"

#ifndef PHANTASM_VERSION
#define PHANTASM_VERSION "unknown"
#endif

namespace phantasm::daemons {
namespace {

using linux_host::SetupError;

// One worker per CPU this process may run on (Phantun uses one queue per CPU too), at most 64.
unsigned default_workers() {
  cpu_set_t set;
  CPU_ZERO(&set);
  int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
  return static_cast<unsigned>(std::clamp(cpus, 1, 64));
}

// One server flow holds one UDP socket: the default 1024 descriptors run out fast.
void raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) == 0) {
    spdlog::debug("raised the open-file limit from {} to {}", before, limit.rlim_cur);
  }
}

std::vector<uint8_t> read_handshake_packet(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SetupError("cannot read --handshake-packet '" + path + "'");
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// A worker and the io_context and thread it runs on.
struct WorkerSlot {
  boost::asio::io_context io{1};
  std::unique_ptr<linux_host::Worker> worker;
  std::thread thread;
};

class Daemon {
 public:
  explicit Daemon(const DaemonOptions& options)
      : options_(options), threads_(options.threads != 0 ? options.threads : default_workers()) {}

  int run() {
    try {
      setup();
    } catch (const SetupError& e) {
      spdlog::error("{}", e.what());
      return 1;
    }
    start_workers();
    boost::asio::signal_set signals(control_, SIGINT, SIGTERM);
    signals.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      spdlog::info("{} received: closing {} flow(s) and removing {}",
                   signal == SIGINT ? "SIGINT" : "SIGTERM", total().flows, tun_->name());
      control_.stop();
    });
    boost::asio::signal_set usr1(control_, SIGUSR1);
    watch_usr1(usr1);
    boost::asio::steady_timer stats_timer(control_);
    arm_stats(stats_timer);
    boost::asio::steady_timer resolve_timer(control_);
    if (options_.role == Role::kClient && options_.resolve_interval.count() > 0 &&
        !SocketAddress::parse(options_.remote_text)) {
      arm_resolve(resolve_timer);
    }
    control_.run();
    return stop_workers();
  }

 private:
  void setup() {
    raise_fd_limit();
    const bool client = options_.role == Role::kClient;
    remote_ = linux_host::resolve(options_.remote_text, options_.ipv4_only);
    spdlog::info("Remote address is: {}", remote_.to_string());
    // Phantun assigns IPv6 on the client only for an IPv6 remote, and on the server unless -4.
    ipv6_ = client ? remote_.ip.is_v6() : !options_.ipv4_only;
    if (ipv6_ && options_.mtu < 1280) {
      throw SetupError("--mtu " + std::to_string(options_.mtu) +
                       " is below IPv6's minimum of 1280 (use -4 for an IPv4-only TUN)");
    }

    EngineConfig& c = engine_;
    c.role = options_.role;
    c.compat = options_.compat;
    c.keepalive_interval = options_.keepalive_interval;
    c.dead_after = options_.dead_after;
    c.phantun_dead_after = options_.phantun_dead_after;
    c.rst_unknown = options_.rst_unknown;
    if (client) {
      c.local_v4 = options_.tun_peer4;
      c.local_v6 = options_.tun_peer6;
      c.remote = remote_;
    } else {
      c.listen_ports = options_.server_ports;
    }
    if (options_.handshake_packet_path) {
      c.handshake_packet = read_handshake_packet(*options_.handshake_packet_path);
    }
    // The largest datagram whose segment fits the TUN MTU. The server serves both families on
    // one socket size; an IPv6 flow loses 20 bytes of it (documented in --mtu's help).
    const size_t ip_tcp = (client && remote_.ip.is_v6()) ? 60 : 40;
    max_payload_ = options_.mtu - ip_tcp;
    c.max_datagram = max_payload_;
    if (c.handshake_packet.size() > max_payload_) {
      throw SetupError("--handshake-packet is " + std::to_string(c.handshake_packet.size()) +
                       " bytes; at --mtu " + std::to_string(options_.mtu) + " one packet carries " +
                       std::to_string(max_payload_));
    }
    if (auto problem = validate(c)) throw SetupError("configuration: " + *problem);
    if (options_.null_engine) {
      if (client && !remote_.ip.is_v4()) throw SetupError("--null-engine is IPv4 only");
      spdlog::warn("--null-engine: headers are prepended, nothing else; for benchmarks only");
    }

    // The client's sockets first: a busy --local should fail before a TUN device appears.
    std::vector<linux_host::UniqueFd> client_sockets;
    if (client) {
      linux_host::UdpSocketOptions udp;
      udp.reuse_port = threads_ > 1;
      // Only a wildcard --local can receive on several addresses and answer from the wrong one.
      const IpAddress& ip = options_.client_local->ip;
      udp.packet_info = ip == IpAddress::from_bytes(ip.version(), std::array<uint8_t, 16>{});
      for (unsigned i = 0; i < threads_; ++i) {
        client_sockets.push_back(linux_host::bind_udp(*options_.client_local, udp));
      }
    }

    linux_host::TunOptions tun_options;
    tun_options.name = options_.tun_name;
    tun_options.queues = threads_;
    tun_options.mtu = options_.mtu;
    tun_ = linux_host::TunDevice::create(tun_options);
    std::vector<linux_host::TunAddressPair> addresses{{options_.tun_local4, options_.tun_peer4}};
    if (ipv6_) addresses.push_back({options_.tun_local6, options_.tun_peer6});
    netlink_.emplace();
    tun_->configure(*netlink_, addresses, tun_options);
    spdlog::info("Created TUN device {} ({} {} peer {}{}, mtu {}, {} queue(s))", tun_->name(),
                 client ? "client" : "server", options_.tun_local4.to_string(),
                 options_.tun_peer4.to_string(),
                 ipv6_ ? ", " + options_.tun_local6.to_string() + " peer " +
                             options_.tun_peer6.to_string()
                       : std::string(),
                 options_.mtu, tun_->queue_count());
    if (client) {
      route_guard_.emplace(*netlink_, tun_->ifindex(), options_.pin_route);
      route_guard_->check(remote_.ip);
    }
    if (options_.auto_rules) {
      AutoRulesSpec rules;
      rules.role = options_.role;
      rules.tun = tun_->name();
      rules.ipv6 = ipv6_;
      rules.peer4 = options_.tun_peer4;
      rules.peer6 = options_.tun_peer6;
      rules.ports = options_.server_ports;
      auto_rules_.emplace(std::move(rules));
    }
    run_self_check({&options_, ipv6_, tun_->name()});

    const auto steering =
        client ? linux_host::FlowSteering::client(threads_, c.port_min, c.port_max)
               : linux_host::FlowSteering::server(threads_);
    epoch_ = std::chrono::steady_clock::now();
    std::random_device entropy;
    for (unsigned i = 0; i < threads_; ++i) {
      auto slot = std::make_unique<WorkerSlot>();
      linux_host::WorkerSettings s;
      s.engine = engine_;
      s.seed = (uint64_t{entropy()} << 32) ^ entropy();
      s.tun_fd = tun_->queue_fd(i);
      s.tun_packet_max = options_.mtu;
      s.max_payload = max_payload_;
      s.epoch = epoch_;
      // The server's per-flow sockets are connected and autobound: with SO_REUSEPORT the kernel
      // lets two of them share one ephemeral port (same uid), and --remote's replies to that
      // port then reach whichever socket the reuseport group picks, i.e. the wrong flow.
      s.udp.reuse_port = false;
      s.index = i;
      s.steering = steering;
      s.null_engine = options_.null_engine;
      std::tie(s.engine.port_min, s.engine.port_max) = steering.client_ports(i);
      if (client) {
        slot->worker =
            std::make_unique<linux_host::ClientWorker>(slot->io, s, std::move(client_sockets[i]));
      } else {
        slot->worker = std::make_unique<linux_host::ServerWorker>(slot->io, s, remote_);
      }
      workers_.push_back(std::move(slot));
    }
    std::vector<linux_host::Worker*> peers;
    for (auto& slot : workers_) peers.push_back(slot->worker.get());
    for (auto& slot : workers_) slot->worker->set_peers(peers);
    open_control_socket();
    if (client) {
      spdlog::info("Listening on UDP {}", options_.client_local->to_string());
    } else {
      for (uint16_t port : options_.server_ports) spdlog::info("Listening on {}", port);
    }
  }

  void start_workers() {
    for (auto& slot : workers_) {
      slot->worker->start();
      slot->thread = std::thread([this, s = slot.get()] {
        auto guard = boost::asio::make_work_guard(s->io);
        try {
          s->io.run();
        } catch (const std::exception& e) {
          spdlog::error("worker stopped: {}", e.what());
          failed_ = true;
          boost::asio::post(control_, [this] { control_.stop(); });
        }
      });
    }
  }

  // Runs `fn(worker)` on every worker's thread and waits for the results. A worker that does not
  // answer within 2 s (its thread died or hangs) is left out and named in the log, so that the
  // control thread never blocks on it: it still has to see SIGTERM and the failed worker's stop.
  template <typename Fn>
  auto on_workers(Fn fn) {
    using R = decltype(fn(std::declval<linux_host::Worker&>()));
    auto shared_fn = std::make_shared<Fn>(std::move(fn));
    std::vector<std::future<R>> futures;
    for (auto& slot : workers_) {
      auto task = std::make_shared<std::packaged_task<R()>>([shared_fn, w = slot->worker.get()] {
        return (*shared_fn)(*w);
      });
      futures.push_back(task->get_future());
      boost::asio::post(slot->io, [task] { (*task)(); });
    }
    std::vector<R> results;
    for (size_t i = 0; i < futures.size(); ++i) {
      if (futures[i].wait_for(std::chrono::seconds(2)) != std::future_status::ready) {
        spdlog::error("worker {} did not answer within 2 s; its counters are left out", i);
        continue;
      }
      results.push_back(futures[i].get());
    }
    return results;
  }

  std::vector<linux_host::WorkerSnapshot> snapshots() {
    return on_workers([](linux_host::Worker& w) { return w.snapshot(); });
  }

  // The status socket. An explicit --control PATH that cannot be used stops the daemon; the
  // default path only warns (a user without write access to /run, or a daemon with the same
  // TUN name in another network namespace, still gets its tunnel).
  void open_control_socket() {
    if (options_.control_path == "none") return;
    const bool chosen = !options_.control_path.empty();
    std::string path =
        chosen ? options_.control_path : default_control_path(options_.program, tun_->name());
    try {
      control_socket_.emplace(control_, path,
                              [this](std::string_view request) { return answer(request); });
      spdlog::info("Control socket {} (phantasm status --socket {})", path, path);
    } catch (const SetupError& e) {
      if (chosen) throw;
      spdlog::error("{}; running without a control socket (--control PATH to choose one)",
                    e.what());
    }
  }

  // A request on the control socket (on the control thread).
  std::string answer(std::string_view request) {
    if (!request.empty() && request != "status") {
      return nlohmann::json{{"error", "unknown request '" + std::string(request) +
                                          "' (this daemon answers 'status')"}}
          .dump();
    }
    StatusInputs in;
    in.program = options_.program;
    in.version = PHANTASM_VERSION;
    in.role = options_.role;
    in.tun = tun_->name();
    in.pid = static_cast<long>(::getpid());
    in.now = Time{std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - epoch_)};
    in.workers = on_workers([](linux_host::Worker& w) {
      return WorkerStatus{w.snapshot(), w.flows()};
    });
    in.tun_link = netlink_->link_stats(tun_->ifindex());
    return status_json(in).dump();
  }

  linux_host::WorkerSnapshot total() {
    linux_host::WorkerSnapshot sum;
    for (const auto& s : snapshots()) accumulate(sum, s);
    return sum;
  }

  void log_stats(const std::vector<linux_host::WorkerSnapshot>& per_worker) {
    linux_host::WorkerSnapshot sum;
    for (const auto& s : per_worker) accumulate(sum, s);
    std::string line = format_stats(sum, netlink_->link_stats(tun_->ifindex()));
    if (per_worker.size() > 1) {
      line += " | flows opened per worker:";
      for (const auto& s : per_worker) line += " " + std::to_string(s.engine.flows_opened);
    }
    spdlog::info("{}", line);
  }

  void watch_usr1(boost::asio::signal_set& usr1) {
    usr1.async_wait([this, &usr1](const boost::system::error_code& ec, int) {
      if (ec) return;
      log_stats(snapshots());
      watch_usr1(usr1);
    });
  }

  void arm_stats(boost::asio::steady_timer& timer) {
    if (options_.stats_interval.count() == 0) return;
    timer.expires_after(options_.stats_interval);
    timer.async_wait([this, &timer](const boost::system::error_code& ec) {
      if (ec) return;
      log_stats(snapshots());
      arm_stats(timer);
    });
  }

  // A --remote given by name is resolved again now and then (Phantun resolves it once): a
  // server whose address moved is found at the next reconnection. Blocking, on the control
  // thread, which only serves signals, stats and status.
  void arm_resolve(boost::asio::steady_timer& timer) {
    timer.expires_after(options_.resolve_interval);
    timer.async_wait([this, &timer](const boost::system::error_code& ec) {
      if (ec) return;
      try {
        SocketAddress now = linux_host::resolve(options_.remote_text, options_.ipv4_only);
        if (now.ip.version() != remote_.ip.version()) {
          spdlog::warn("{} now resolves to {}, of another address family than the TUN was set "
                       "up for; keeping {}",
                       options_.remote_text, now.to_string(), remote_.to_string());
        } else if (!(now == remote_)) {
          spdlog::info("{} now resolves to {} (was {}): new connections go there",
                       options_.remote_text, now.to_string(), remote_.to_string());
          remote_ = now;
          if (route_guard_) route_guard_->check(now.ip);
          on_workers([now](linux_host::Worker& w) {
            w.set_remote(now);
            return 0;
          });
        }
      } catch (const SetupError& e) {
        spdlog::warn("{}; keeping {}", e.what(), remote_.to_string());
      }
      arm_resolve(timer);
    });
  }

  int stop_workers() {
    // Close every flow with a RST from its own worker, then stop the loops.
    for (auto& slot : workers_) {
      boost::asio::post(slot->io, [s = slot.get()] {
        s->worker->shutdown();
        s->io.stop();
      });
    }
    std::vector<linux_host::WorkerSnapshot> final_counts;
    for (auto& slot : workers_) {
      slot->thread.join();
      final_counts.push_back(slot->worker->snapshot());  // the thread is gone: safe to read
    }
    log_stats(final_counts);
    workers_.clear();
    std::string name = tun_->name();
    tun_->close();
    spdlog::info("TUN device {} removed", name);
    if (route_guard_) route_guard_->unpin();
    if (auto_rules_) auto_rules_->remove();
    if (control_socket_) control_socket_->close();
    spdlog::info("exiting");
    return failed_ ? 1 : 0;
  }

  const DaemonOptions& options_;
  const unsigned threads_;
  SocketAddress remote_;
  bool ipv6_ = false;
  size_t max_payload_ = 0;
  EngineConfig engine_;
  std::optional<linux_host::TunDevice> tun_;
  std::optional<linux_host::RtNetlink> netlink_;
  std::optional<RouteGuard> route_guard_;  // uses netlink_: declared (so destroyed) after it
  std::chrono::steady_clock::time_point epoch_;
  boost::asio::io_context control_{1};
  std::vector<std::unique_ptr<WorkerSlot>> workers_;
  std::atomic<bool> failed_{false};
  // After control_ (destroyed before it) and the TUN (its rules are removed after it goes).
  std::optional<AutoRules> auto_rules_;
  std::optional<ControlSocket> control_socket_;
};

}  // namespace

int run_daemon(const DaemonOptions& options) {
  Daemon daemon(options);
  return daemon.run();
}

}  // namespace phantasm::daemons
