#include "harness/linux/client_worker.h"

#include <spdlog/spdlog.h>

#include <cstring>

namespace phantasm::linux_host {

ClientWorker::ClientWorker(boost::asio::io_context& io, WorkerSettings settings, UniqueFd socket)
    : Worker(io, std::move(settings)),
      socket_(std::move(socket)),
      watch_(io, socket_.get(), [this] { return drain_udp(); }) {}

ClientWorker::~ClientWorker() = default;

void ClientWorker::start() {
  Worker::start();
  watch_.start();
}

bool ClientWorker::drain_udp() {
  // One batch, then the TUN and the timer get a turn: under overload both directions then
  // lose their share, instead of the TUN queue (the return path) overflowing first.
  constexpr int kRounds = 1;
  Time t = now();
  ReceiveBatch& batch = udp_batch();
  for (int round = 0; round < kRounds; ++round) {
    ReceiveOutcome outcome = batch.receive(socket_.get());
    count_kernel_drops(kernel_drops_, outcome);
    if (outcome.error != 0) {
      ++host_counters().udp_receive_errors;
      spdlog::debug("UDP receive failed: {}", std::strerror(outcome.error));
    }
    for (size_t i = 0; i < outcome.received; ++i) {
      if (batch.truncated(i)) {
        count_truncated(i);
        continue;
      }
      auto from = batch.source(i);
      if (!from) continue;
      ++host_counters().udp_datagrams_received;
      current_local_ = batch.destination(i);
      if (NullEngine* null = null_engine()) {
        null->on_udp_datagram(*from, batch.datagram(i));
        continue;
      }
      endpoint().on_udp_datagram(*from, batch.datagram(i), t);
    }
    if (outcome.received < batch.capacity()) {
      finish_batch(t);
      return false;  // drained to EAGAIN (or an error the next wakeup will retry)
    }
  }
  finish_batch(t);
  return true;
}

ClientWorker::Peer* ClientWorker::find(FlowId flow) {
  if (flow.slot >= peers_.size() || !peers_[flow.slot] || !(peers_[flow.slot]->flow == flow)) {
    return nullptr;
  }
  return &*peers_[flow.slot];
}

void ClientWorker::deliver_datagram(FlowId flow, std::span<const uint8_t> payload) {
  Peer* peer = find(flow);
  if (peer == nullptr) {
    ++host_counters().deliveries_without_socket;
    return;
  }
  queue_datagram(socket_.get(), payload, &peer->address, peer->local ? &*peer->local : nullptr);
}

void ClientWorker::flow_opened(FlowId flow, const FlowInfo& info) {
  if (!info.udp_peer) return;
  if (flow.slot >= peers_.size()) peers_.resize(flow.slot + 1);
  peers_[flow.slot] = Peer{flow, to_sockaddr(*info.udp_peer), current_local_};
  log_limited(spdlog::level::info, "New UDP client", "New UDP client from {}: fake TCP {}",
              info.udp_peer->to_string(), info.tuple.to_string());
}

void ClientWorker::flow_closed(FlowId flow, CloseReason reason) {
  if (Peer* peer = find(flow)) {
    auto address = from_sockaddr(peer->address.storage, peer->address.length);
    log_limited(spdlog::level::info, "Flow for UDP client closed",
                "Flow for UDP client {} closed: {}", address ? address->to_string() : "?",
                to_string(reason));
    peers_[flow.slot].reset();
  }
}

}  // namespace phantasm::linux_host
