// The server's UDP side: every fake-TCP connection that completes its handshake gets its own
// UDP socket connected to --remote (as Phantun does), so the UDP server sees one source port
// per tunnel flow. Sockets live exactly as long as their flow.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "harness/linux/worker.h"

namespace phantasm::linux_host {

class ServerWorker final : public Worker {
 public:
  ServerWorker(boost::asio::io_context& io, WorkerSettings settings, SocketAddress remote);
  ~ServerWorker() override;

 private:
  struct FlowSocket {
    FlowId flow;
    FourTuple tuple;
    UniqueFd fd;
    KernelDropTracker kernel_drops;
    std::unique_ptr<ReadWatch> watch;
  };

  bool drain_flow(FlowSocket& socket);
  FlowSocket* find(FlowId flow);
  // A socket whose flow closed may be mid-drain: destroy it after the current handler.
  void retire(std::unique_ptr<FlowSocket> socket);

  void deliver_datagram(FlowId flow, std::span<const uint8_t> payload) override;
  void flow_opened(FlowId flow, const FlowInfo& info) override;
  void flow_closed(FlowId flow, CloseReason reason) override;

  SocketAddress remote_;
  std::vector<std::unique_ptr<FlowSocket>> sockets_;  // indexed by FlowId::slot
  std::vector<std::unique_ptr<FlowSocket>> retired_;
};

}  // namespace phantasm::linux_host
