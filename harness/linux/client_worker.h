// The client's UDP side: one socket bound to --local (shared with the other workers through
// SO_REUSEPORT); every new UDP source becomes a flow, and its replies leave from this socket,
// so the application sees them come from the address it sent to.
#pragma once

#include <optional>
#include <vector>

#include "harness/linux/worker.h"

namespace phantasm::linux_host {

class ClientWorker final : public Worker {
 public:
  ClientWorker(boost::asio::io_context& io, WorkerSettings settings, UniqueFd socket);
  ~ClientWorker() override;

  void start() override;

 private:
  struct Peer {
    FlowId flow;
    RawSockaddr address;
    // The local address the peer sends to, when --local is a wildcard: replies leave from it
    // (Phantun v0.8.0's fix for hosts with several addresses, phantun-wire.md §2.9).
    std::optional<IpAddress> local;
  };

  bool drain_udp();
  Peer* find(FlowId flow);

  void deliver_datagram(FlowId flow, std::span<const uint8_t> payload) override;
  void flow_opened(FlowId flow, const FlowInfo& info) override;
  void flow_closed(FlowId flow, CloseReason reason) override;

  UniqueFd socket_;
  KernelDropTracker kernel_drops_;
  std::vector<std::optional<Peer>> peers_;  // indexed by FlowId::slot
  // The local address of the datagram being handed to the engine, for flow_opened.
  std::optional<IpAddress> current_local_;
  ReadWatch watch_;
};

}  // namespace phantasm::linux_host
