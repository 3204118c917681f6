// What a middlebox remembers of the TCP connections crossing it: per connection (named by the
// client's and the server's address and port) the next sequence number each side will send and
// the last acknowledgement it sent. Bounded: the least recently seen connection goes first.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "engine/core/time.h"
#include "engine/wire/ip_address.h"
#include "harness/middlebox/model.h"
#include "harness/middlebox/packet_edit.h"

namespace phantasm::middlebox {

struct FlowKey {
  SocketAddress client;
  SocketAddress server;
  friend auto operator<=>(const FlowKey&, const FlowKey&) = default;
};

FlowKey flow_key(Direction dir, const TcpFields& f);

struct SideState {
  bool seen = false;
  uint32_t next_seq = 0;  // highest seq + length (+1 for SYN and FIN) seen from this side
  uint32_t last_ack = 0;
  bool acked = false;     // last_ack is meaningful (a segment with ACK was seen)
};

struct FlowState {
  SideState client;
  SideState server;
  Time last_seen;
  SideState& side(Direction from) { return from == Direction::kClientToServer ? client : server; }
  const SideState& side(Direction from) const { return from == Direction::kClientToServer ? client : server; }
};

class FlowTable {
 public:
  explicit FlowTable(size_t capacity = 4096) : capacity_(capacity) {}

  // Records a segment travelling `dir`; returns the connection's state after it.
  FlowState& observe(Direction dir, const TcpFields& f, Time now);
  FlowState* find(const FlowKey& key);
  // The most recently seen connections first, at most `n`.
  std::vector<std::pair<FlowKey, FlowState>> recent(size_t n) const;
  size_t size() const { return flows_.size(); }

 private:
  size_t capacity_;
  std::map<FlowKey, FlowState> flows_;
};

// Sequence comparison modulo 2^32 (RFC 1982).
constexpr bool seq_after(uint32_t a, uint32_t b) { return static_cast<int32_t>(a - b) > 0; }

}  // namespace phantasm::middlebox
