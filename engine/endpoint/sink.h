// What the engine hands back to its host. The host implements EngineSink; the engine calls it
// synchronously from inside on_network_packet / on_udp_datagram / on_timer / close_all. Spans
// are valid only during the call. The host must not call back into the endpoint from a sink
// method.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "engine/wire/ip_address.h"

namespace phantasm {

// Names a flow for as long as it lives; a closed flow's id is never reused (generation).
struct FlowId {
  uint32_t slot = UINT32_MAX;
  uint32_t generation = 0;

  bool valid() const { return slot != UINT32_MAX; }
  friend bool operator==(FlowId, FlowId) = default;
};

struct FlowInfo {
  FourTuple tuple;                        // this end's view of the fake-TCP connection
  std::optional<SocketAddress> udp_peer;  // client: the local UDP application's address
};

enum class CloseReason : uint8_t {
  kIdle,             // no datagram either way for the idle timeout
  kResetByPeer,      // an acceptable RST arrived
  kHandshakeFailed,  // no answer to the handshake, or refused
  kLocalClose,       // the host closed it (shutdown)
  kDeadPath,         // server: the client's path died and it did not come back in time
};

// What the far end is. Assumed Phantun until its hello says otherwise.
enum class PeerKind : uint8_t { kPhantun, kPhantasm };

constexpr std::string_view to_string(PeerKind k) { return k == PeerKind::kPhantasm ? "phantasm" : "phantun"; }

constexpr std::string_view to_string(CloseReason r) {
  switch (r) {
    case CloseReason::kIdle: return "idle";
    case CloseReason::kResetByPeer: return "reset-by-peer";
    case CloseReason::kHandshakeFailed: return "handshake-failed";
    case CloseReason::kLocalClose: return "local-close";
    case CloseReason::kDeadPath: return "dead-path";
  }
  return "?";
}

class EngineSink {
 public:
  virtual ~EngineSink() = default;
  // An IP packet for the network side (TUN, ns-3 device, in-memory wire).
  virtual void send_packet(std::span<const uint8_t> packet) = 0;
  // A UDP payload for the local UDP side of `flow` (client: to FlowInfo::udp_peer; server: from
  // the flow's own socket to --remote). A view into the received packet: no copy was made.
  virtual void deliver_datagram(FlowId flow, std::span<const uint8_t> payload) = 0;
  // Client: a flow is created when a new UDP peer sends its first datagram. Server: when a
  // handshake completes (the host then opens the flow's UDP socket).
  virtual void flow_opened(FlowId flow, const FlowInfo& info) = 0;
  virtual void flow_closed(FlowId flow, CloseReason reason) = 0;
};

}  // namespace phantasm
