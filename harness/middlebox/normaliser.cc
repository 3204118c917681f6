#include "harness/middlebox/normaliser.h"

#include "engine/wire/tcp.h"

namespace phantasm::middlebox {
namespace {

uint64_t fnv1a(std::span<const uint8_t> bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (uint8_t b : bytes) h = (h ^ b) * 0x100000001b3ull;
  return h;
}

constexpr size_t kMaxStreams = 8192;

}  // namespace

bool Normaliser::conflicts(const Stream& s, uint32_t seq, uint32_t length, uint64_t hash) const {
  for (const SeenSegment& old : s.recent) {
    const bool overlap = static_cast<int32_t>(seq - (old.seq + old.length)) < 0 &&
                         static_cast<int32_t>(old.seq - (seq + length)) < 0;
    if (!overlap) continue;
    // Same extent, same bytes: an honest retransmission. Anything else cannot be verified.
    if (!(old.seq == seq && old.length == length && old.hash == hash)) return true;
  }
  return false;
}

void Normaliser::on_packet(Direction dir, std::span<const uint8_t> packet, Time now, Outputs& out) {
  ++counters_.seen;
  const auto f = read_tcp(packet);
  namespace flag = wire::tcp::flag;
  if (!f || (f->flags & flag::kRst)) {
    pass(dir, packet, out);
    return;
  }
  const auto key = std::make_pair(flow_key(dir, *f), dir);
  if (streams_.size() >= kMaxStreams && !streams_.contains(key)) streams_.clear();  // crude, bounded
  Stream& s = streams_[key];
  if (f->flags & flag::kSyn) {
    s = Stream{};
    s.contiguous_known = true;
    s.contiguous_end = f->seq + 1;
    pass(dir, packet, out);
    return;
  }
  const auto length = static_cast<uint32_t>(f->payload_len);
  if (length == 0) {
    pass(dir, packet, out);
    return;
  }
  if (!s.contiguous_known) {  // picked up mid-stream: start from here
    s.contiguous_known = true;
    s.contiguous_end = f->seq;
  }
  if (config_.block_above_hole && seq_after(f->seq, s.contiguous_end)) {
    ++above_hole_dropped_;
    drop();
    return;
  }
  const uint64_t hash = fnv1a(f->payload);
  if (config_.drop_conflicting_retransmissions && conflicts(s, f->seq, length, hash)) {
    ++conflicts_dropped_;
    drop();
    return;
  }
  s.recent.push_back(SeenSegment{f->seq, length, hash});
  if (s.recent.size() > config_.remembered_segments) s.recent.pop_front();
  if (seq_after(f->seq + length, s.contiguous_end)) s.contiguous_end = f->seq + length;
  (void)now;
  pass(dir, packet, out);
}

}  // namespace phantasm::middlebox
