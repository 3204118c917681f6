#include "harness/middlebox/flow_table.h"

#include <algorithm>

#include "engine/wire/tcp.h"

namespace phantasm::middlebox {

FlowKey flow_key(Direction dir, const TcpFields& f) {
  const SocketAddress src{f.src, f.src_port};
  const SocketAddress dst{f.dst, f.dst_port};
  return dir == Direction::kClientToServer ? FlowKey{src, dst} : FlowKey{dst, src};
}

FlowState& FlowTable::observe(Direction dir, const TcpFields& f, Time now) {
  const FlowKey key = flow_key(dir, f);
  auto it = flows_.find(key);
  if (it == flows_.end()) {
    if (flows_.size() >= capacity_) {
      auto oldest = std::min_element(flows_.begin(), flows_.end(),
                                     [](const auto& a, const auto& b) { return a.second.last_seen < b.second.last_seen; });
      flows_.erase(oldest);
    }
    it = flows_.emplace(key, FlowState{}).first;
  }
  FlowState& state = it->second;
  state.last_seen = now;
  SideState& side = state.side(dir);
  namespace flag = wire::tcp::flag;
  const uint32_t end = f.seq + static_cast<uint32_t>(f.payload_len) + ((f.flags & flag::kSyn) ? 1 : 0) +
                       ((f.flags & flag::kFin) ? 1 : 0);
  // A SYN starts the side afresh (a reused tuple); otherwise the sequence only moves forward.
  if (!(f.flags & flag::kRst) && (!side.seen || (f.flags & flag::kSyn) || seq_after(end, side.next_seq))) {
    side.next_seq = end;
    side.seen = true;
  }
  if (f.flags & flag::kAck) {
    side.last_ack = f.ack;
    side.acked = true;
  }
  return state;
}

FlowState* FlowTable::find(const FlowKey& key) {
  auto it = flows_.find(key);
  return it == flows_.end() ? nullptr : &it->second;
}

std::vector<std::pair<FlowKey, FlowState>> FlowTable::recent(size_t n) const {
  std::vector<std::pair<FlowKey, FlowState>> all(flows_.begin(), flows_.end());
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.second.last_seen > b.second.last_seen; });
  if (all.size() > n) all.resize(n);
  return all;
}

}  // namespace phantasm::middlebox
