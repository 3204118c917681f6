#include "engine/endpoint/flow_table.h"

namespace phantasm {

Connection* FlowTable::get(FlowId id) {
  if (id.slot >= slots_.size()) return nullptr;
  auto& slot = slots_[id.slot];
  return slot.generation == id.generation ? slot.conn.get() : nullptr;
}

const Connection* FlowTable::get(FlowId id) const { return const_cast<FlowTable*>(this)->get(id); }

Connection* FlowTable::find(const FourTuple& tuple) {
  auto it = by_tuple_.find(tuple);
  return it == by_tuple_.end() ? nullptr : slots_[it->second].conn.get();
}

Connection* FlowTable::find_peer(const SocketAddress& udp_peer) {
  auto it = by_peer_.find(udp_peer);
  return it == by_peer_.end() ? nullptr : slots_[it->second].conn.get();
}

const Connection* FlowTable::find_peer(const SocketAddress& udp_peer) const {
  return const_cast<FlowTable*>(this)->find_peer(udp_peer);
}

FlowId FlowTable::next_id() const {
  if (!free_slots_.empty()) {
    const uint32_t slot = free_slots_.back();
    return {slot, slots_[slot].generation};
  }
  return {static_cast<uint32_t>(slots_.size()), 0};
}

Connection& FlowTable::insert(std::unique_ptr<Connection> conn) {
  const FlowId id = conn->id();
  if (!free_slots_.empty() && free_slots_.back() == id.slot) {
    free_slots_.pop_back();
  } else {
    slots_.emplace_back();
  }
  auto& slot = slots_[id.slot];
  slot.conn = std::move(conn);
  ++flows_;
  by_tuple_.emplace(slot.conn->tuple(), id.slot);
  if (slot.conn->udp_peer()) by_peer_.emplace(*slot.conn->udp_peer(), id.slot);
  if (slot.conn->session() != 0 && !slot.conn->udp_peer()) by_session_.emplace(slot.conn->session(), id.slot);
  sync_half_open(*slot.conn);
  return *slot.conn;
}

void FlowTable::sync_half_open(Connection& conn) {
  if (conn.counted_half_open == conn.half_open()) return;
  conn.counted_half_open = conn.half_open();
  if (conn.counted_half_open) {
    ++half_open_;
  } else {
    --half_open_;
  }
}

void FlowTable::retuple(Connection& conn, const FourTuple& tuple) {
  forget_tuple(conn);
  by_tuple_.emplace(tuple, conn.id().slot);
}

void FlowTable::forget_tuple(Connection& conn) {
  auto it = by_tuple_.find(conn.tuple());
  if (it != by_tuple_.end() && it->second == conn.id().slot) by_tuple_.erase(it);
}

Connection* FlowTable::find_session(uint64_t session) {
  auto it = by_session_.find(session);
  return it == by_session_.end() ? nullptr : slots_[it->second].conn.get();
}

void FlowTable::erase(FlowId id) {
  Connection* conn = get(id);
  if (!conn) return;
  if (conn->counted_half_open) --half_open_;
  forget_tuple(*conn);
  if (conn->udp_peer()) by_peer_.erase(*conn->udp_peer());
  auto session = by_session_.find(conn->session());
  if (session != by_session_.end() && session->second == id.slot) by_session_.erase(session);
  auto& slot = slots_[id.slot];
  slot.conn.reset();
  --flows_;
  ++slot.generation;
  free_slots_.push_back(id.slot);
}

std::optional<uint16_t> FlowTable::allocate_port(const IpAddress& local_ip, const SocketAddress& remote, uint16_t lo,
                                                 uint16_t hi, Rng& rng) const {
  const uint32_t span = static_cast<uint32_t>(hi - lo) + 1;
  const uint32_t start = static_cast<uint32_t>(rng.uniform(0, span - 1));
  for (uint32_t i = 0; i < span; ++i) {
    const auto port = static_cast<uint16_t>(lo + (start + i) % span);
    if (!by_tuple_.contains(FourTuple{{local_ip, port}, remote})) return port;
  }
  return std::nullopt;
}

}  // namespace phantasm
