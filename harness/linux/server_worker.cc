#include "harness/linux/server_worker.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>

namespace phantasm::linux_host {

ServerWorker::ServerWorker(boost::asio::io_context& io, WorkerSettings settings,
                           SocketAddress remote)
    : Worker(io, std::move(settings)), remote_(remote) {}

ServerWorker::~ServerWorker() = default;

ServerWorker::FlowSocket* ServerWorker::find(FlowId flow) {
  if (flow.slot >= sockets_.size() || !sockets_[flow.slot] || !(sockets_[flow.slot]->flow == flow)) {
    return nullptr;
  }
  return sockets_[flow.slot].get();
}

bool ServerWorker::drain_flow(FlowSocket& socket) {
  // One batch, then the TUN and the timer get a turn: under overload both directions then
  // lose their share, instead of the TUN queue (the return path) overflowing first.
  constexpr int kRounds = 1;
  const FlowId flow = socket.flow;
  const int fd = socket.fd.get();
  Time t = now();
  ReceiveBatch& batch = udp_batch();
  for (int round = 0; round < kRounds; ++round) {
    ReceiveOutcome outcome = batch.receive(fd);
    count_kernel_drops(socket.kernel_drops, outcome);
    if (outcome.error != 0) {
      // ECONNREFUSED: an ICMP port unreachable from --remote (its server is down); the next
      // datagrams may well get through, so the flow stays.
      ++host_counters().udp_receive_errors;
      spdlog::debug("UDP receive from {} failed: {}", remote_.to_string(),
                    std::strerror(outcome.error));
    }
    for (size_t i = 0; i < outcome.received; ++i) {
      if (batch.truncated(i)) {
        count_truncated(i);
        continue;
      }
      ++host_counters().udp_datagrams_received;
      // May close the flow and retire `socket`; it stays alive until this handler returns.
      if (NullEngine* null = null_engine()) {
        null->on_udp_datagram(flow, batch.datagram(i));
        continue;
      }
      endpoint().on_udp_datagram(flow, batch.datagram(i), t);
    }
    if (outcome.received < batch.capacity()) {
      finish_batch(t);
      return false;
    }
  }
  finish_batch(t);
  return true;
}

void ServerWorker::deliver_datagram(FlowId flow, std::span<const uint8_t> payload) {
  FlowSocket* socket = find(flow);
  if (socket == nullptr) {
    ++host_counters().deliveries_without_socket;
    return;
  }
  queue_datagram(socket->fd.get(), payload, nullptr);
}

void ServerWorker::flow_opened(FlowId flow, const FlowInfo& info) {
  int error = 0;
  UniqueFd fd = connect_udp(remote_, settings().udp, &error);
  if (!fd.valid()) {
    ++host_counters().socket_open_failures;
    if (error == EMFILE || error == ENFILE) ++host_counters().emfile;
    log_limited(spdlog::level::warn, "Connection: cannot open a UDP socket",
                "Connection from {}: cannot open a UDP socket to {}: {}; closing it",
                info.tuple.remote.to_string(), remote_.to_string(), std::strerror(error));
    close_flow_later(flow);
    return;
  }
  auto socket = std::make_unique<FlowSocket>();
  socket->flow = flow;
  socket->tuple = info.tuple;
  socket->fd = std::move(fd);
  FlowSocket* raw = socket.get();
  socket->watch = std::make_unique<ReadWatch>(io(), raw->fd.get(),
                                              [this, raw] { return drain_flow(*raw); });
  socket->watch->start();
  if (flow.slot >= sockets_.size()) sockets_.resize(flow.slot + 1);
  if (sockets_[flow.slot]) retire(std::move(sockets_[flow.slot]));
  sockets_[flow.slot] = std::move(socket);
  auto snapshot = endpoint().flow(flow);
  log_limited(spdlog::level::info, "Connection established",
              "Connection from {} established (peer: {})", info.tuple.remote.to_string(),
              snapshot ? to_string(snapshot->peer_kind) : "?");
}

void ServerWorker::flow_closed(FlowId flow, CloseReason reason) {
  FlowSocket* socket = find(flow);
  if (socket == nullptr) return;
  log_limited(spdlog::level::info, "Fake TCP connection closed", "Fake TCP connection {} closed: {}",
              socket->tuple.to_string(), to_string(reason));
  retire(std::move(sockets_[flow.slot]));
}

void ServerWorker::retire(std::unique_ptr<FlowSocket> socket) {
  // Stop reading now; close later, after the handler that may be draining it has returned.
  socket->watch.reset();
  bool first = retired_.empty();
  retired_.push_back(std::move(socket));
  if (first) {
    boost::asio::post(io(), [this] { retired_.clear(); });
  }
}

}  // namespace phantasm::linux_host
