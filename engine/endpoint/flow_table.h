// Connections by slot (FlowId), by 4-tuple (packets from the network) and, on the client, by
// UDP peer (datagrams from the local side); plus the client's source-port allocator.
#pragma once

#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "engine/core/rng.h"
#include "engine/endpoint/connection.h"

namespace phantasm {

class FlowTable {
 public:
  Connection* get(FlowId id);
  const Connection* get(FlowId id) const;
  Connection* find(const FourTuple& tuple);
  Connection* find_peer(const SocketAddress& udp_peer);
  const Connection* find_peer(const SocketAddress& udp_peer) const;

  // The id the next inserted connection will get.
  FlowId next_id() const;
  Connection& insert(std::unique_ptr<Connection> conn);
  void erase(FlowId id);
  // Moves `conn` to a new tuple (client reconnect, server reattach) or off any tuple.
  void retuple(Connection& conn, const FourTuple& tuple);
  void forget_tuple(Connection& conn);
  // Server: the flow whose Phantasm client uses `session`.
  Connection* find_session(uint64_t session);
  // Recounts `conn` after a state change that may have entered or left the handshake.
  void sync_half_open(Connection& conn);

  // A free source port in [lo, hi] for local_ip towards remote: starts at a random port and
  // scans upward, wrapping around (Phantun stops at the top of the range instead).
  std::optional<uint16_t> allocate_port(const IpAddress& local_ip, const SocketAddress& remote, uint16_t lo,
                                        uint16_t hi, Rng& rng) const;

  size_t size() const { return flows_; }
  size_t half_open() const { return half_open_; }

  template <typename F>
  void for_each(F&& f) const {
    for (const auto& slot : slots_) {
      if (slot.conn) f(*slot.conn);
    }
  }
  template <typename F>
  void for_each(F&& f) {
    for (auto& slot : slots_) {
      if (slot.conn) f(*slot.conn);
    }
  }

 private:
  struct Slot {
    uint32_t generation = 0;
    std::unique_ptr<Connection> conn;
  };
  std::vector<Slot> slots_;
  std::vector<uint32_t> free_slots_;
  std::unordered_map<FourTuple, uint32_t> by_tuple_;
  std::unordered_map<SocketAddress, uint32_t> by_peer_;
  std::unordered_map<uint64_t, uint32_t> by_session_;
  size_t flows_ = 0;
  size_t half_open_ = 0;
};

}  // namespace phantasm
