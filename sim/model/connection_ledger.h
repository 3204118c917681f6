// Reconnects as the netns runner counts them on the client's wire (netns-tests/runner/
// capture_analysis.h): every fake-TCP connection (client port, client ISN) whose SYN a SYN-ACK
// answered, with the udpgen flows (session, flow id) whose datagrams it carried client to
// server. A flow carried by k answered connections reconnected k - 1 times; refused handshakes
// do not count, and the count needs nothing from the tunnel itself.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <span>

namespace phantasm::sim {

class ConnectionLedger {
 public:
  explicit ConnectionLedger(uint16_t tunnel_port) : port_(tunnel_port) {}

  void on_packet(std::span<const uint8_t> ip);
  uint64_t reconnects() const;
  uint64_t answered() const;

 private:
  struct Connection {
    bool answered = false;
    std::set<std::pair<uint32_t, uint32_t>> flows;  // (session, flow id)
  };
  uint16_t port_;
  std::map<std::pair<uint16_t, uint32_t>, Connection> connections_;  // (client port, ISN)
  std::map<uint16_t, uint32_t> current_isn_;                          // the latest SYN per port
};

}  // namespace phantasm::sim
