// `udpgen sink`: one UDP socket that receives with recvmmsg, tracks every (source, session,
// flow) it hears from, and with echo sends each datagram straight back to its source.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "harness/traffic/format/traffic_receiver.h"
#include "harness/traffic/tool/endpoint.h"
#include "harness/traffic/tool/progress.h"
#include "harness/traffic/tool/report.h"
#include "harness/traffic/tool/udp_socket.h"

namespace phantasm::traffic {

struct SinkOptions {
  Endpoint listen;
  bool echo = false;
  std::optional<std::chrono::nanoseconds> duration;  // unset: until stopped
  // Stop once this many flows have sent their end-of-flow datagram (0: never), after a short
  // linger for stragglers that were reordered behind it.
  size_t stop_after_flows = 0;
  std::chrono::nanoseconds linger = std::chrono::milliseconds(200);
  int socket_buffer = 4 << 20;
  size_t batch = 64;
  ReceiverLimits limits;
  bool progress = true;
};

class Sink {
 public:
  // Opens and binds the socket; throws RuntimeError (e.g. the port is taken).
  explicit Sink(SinkOptions options);

  // Where the sink listens (the real port when --listen asked for port 0).
  Endpoint local_endpoint() const { return socket_.local_endpoint(); }

  // Receives until the duration ends, enough flows ended, or `stop` is set.
  RunReport run(const std::atomic<bool>& stop);

 private:
  struct PeerKey {
    uint64_t high = 0, low = 0;  // the address (IPv4 in `low`)
    uint32_t port_and_family = 0;
    bool operator==(const PeerKey&) const = default;
  };
  struct PeerKeyHash {
    size_t operator()(const PeerKey& key) const;
  };

  static PeerKey key_of(const Endpoint& endpoint);
  uint32_t peer_id(const Endpoint& source);
  void receive_batch(size_t count);
  std::string progress_text(double interval_s);
  RunReport build_report(uint64_t start_ns, uint64_t end_ns, bool interrupted) const;

  SinkOptions options_;
  UdpSocket socket_;
  BufferSizes granted_;
  DatagramBatch batch_;
  TrafficReceiver receiver_;
  std::unordered_map<PeerKey, uint32_t, PeerKeyHash> peer_ids_;
  std::vector<Endpoint> peers_;
  uint32_t kernel_drops_ = 0;
  uint64_t echo_failures_ = 0;
  IntervalRate rate_;
};

}  // namespace phantasm::traffic
