#include "sim/model/conntrack_table.h"

namespace phantasm::sim {

std::string CtTuple::to_string() const {
  return "src=" + src.to_string() + " dst=" + dst.to_string() + " sport=" + std::to_string(sport) +
         " dport=" + std::to_string(dport);
}

CtTuple tuple_of(const IpPacket& p) {
  CtTuple t{p.src, p.dst, 0, 0};
  if (p.tcp) {
    t.sport = p.tcp->sport;
    t.dport = p.tcp->dport;
  }
  return t;
}

CtLookup ConntrackTable::track(std::span<const uint8_t> bytes, const IpPacket& p, bool prerouting, Time now) {
  if (p.protocol != kProtoTcp) {
    CtLookup l;
    l.info = CtInfo::kEstablished;  // other protocols are not tracked by this model
    l.verdict = TcpVerdict::kAccept;
    return l;
  }
  return track_tcp(bytes, p, prerouting, now);
}

CtLookup ConntrackTable::track_tcp(std::span<const uint8_t> bytes, const IpPacket& p, bool prerouting, Time now) {
  CtLookup l;
  if (!p.tcp) {  // not even ports: no tuple, no entry
    ++stat_invalid_;
    return l;
  }
  const TcpFields& tcp = *p.tcp;
  const bool check_sum = prerouting && settings_.checksum;
  if (TcpConntrack::is_malformed(tcp, check_sum && tcp_checksum_ok(bytes, p), check_sum)) {
    ++stat_invalid_;
    return l;
  }
  const CtTuple tuple = tuple_of(p);
  for (;;) {
    CtDir dir = CtDir::kOriginal;
    CtEntry* e = find(tuple, now, &dir);
    bool created = false;
    if (e) {
      ++stat_found_;
    } else {
      auto opened = TcpConntrack::open(tcp, settings_);
      if (!opened) {  // cannot start a connection: "invalid new"
        ++stat_invalid_;
        return l;
      }
      auto fresh = std::make_unique<CtEntry>();
      fresh->id = next_id_++;
      fresh->tuple[0] = tuple;
      fresh->tuple[1] = tuple.inverted();
      fresh->tcp = *opened;
      fresh->expires = now;
      e = fresh.get();
      entries_.emplace(fresh->id, std::move(fresh));
      created = true;
    }
    const Duration remaining = e->expires - now;
    const TcpConntrack::Result r = e->tcp.on_packet(dir, tcp, e->status, remaining, settings_);
    if (r.verdict == TcpVerdict::kReopen) {
      remove(e->id);  // the old connection is over; look the SYN up again as a new one
      continue;
    }
    if (r.verdict == TcpVerdict::kInvalid) {
      if (r.timeout) e->expires = now + *r.timeout;
      if (created) remove(e->id);
      ++stat_invalid_;
      return l;
    }
    l.entry = e;
    l.dir = dir;
    l.created = created;
    l.verdict = r.verdict;
    if (dir == CtDir::kReply) l.info = CtInfo::kEstablished;
    else l.info = e->status.seen_reply ? CtInfo::kEstablished : CtInfo::kNew;
    if (r.verdict == TcpVerdict::kAccept && r.timeout) {
      e->expires = now + *r.timeout;
      l.refreshed = true;
    }
    l.kill_after = r.kill;
    // Any packet conntrack let through in the reply direction means the peer answered.
    if (dir == CtDir::kReply) e->status.seen_reply = true;
    return l;
  }
}

bool ConntrackTable::finish(const CtLookup& l, Time now) {
  if (!l.entry) return true;
  CtEntry& e = *l.entry;
  if (l.created && !e.confirmed) {
    // NAT may have made the reply tuple one another entry already has.
    if (find(e.tuple[0], now) || find(e.tuple[1], now)) {
      ++stat_insert_failed_;
      remove(e.id);
      return false;
    }
    e.confirmed = true;
    index_[e.tuple[0]] = {e.id, CtDir::kOriginal};
    index_[e.tuple[1]] = {e.id, CtDir::kReply};
    ++stat_inserted_;
  }
  if (l.kill_after || !alive(e, now)) remove(e.id);
  return true;
}

void ConntrackTable::discard(const CtLookup& l) {
  // A killed entry went when conntrack saw the packet (nf_ct_kill), whatever became of it.
  if (l.entry && ((l.created && !l.entry->confirmed) || l.kill_after)) remove(l.entry->id);
}

CtEntry* ConntrackTable::find(const CtTuple& t, Time now, CtDir* dir) {
  auto it = index_.find(t);
  if (it == index_.end()) return nullptr;
  const auto [id, d] = it->second;
  CtEntry* e = entries_.at(id).get();
  if (!alive(*e, now)) {
    remove(id);  // expired: the garbage collector's job, done on the way
    return nullptr;
  }
  if (dir) *dir = d;
  return e;
}

bool ConntrackTable::tuple_taken(const CtTuple& t, const CtEntry* except, Time now) {
  CtEntry* e = find(t, now);
  return e && e != except;
}

const CtEntry* ConntrackTable::find_by_source(const IpAddress& src, uint16_t sport, Time now) const {
  for (const auto& [id, e] : entries_) {
    if (e->confirmed && alive(*e, now) && e->src_nat && e->tuple[0].src == src && e->tuple[0].sport == sport) {
      return e.get();
    }
  }
  return nullptr;
}

void ConntrackTable::set_reply(CtEntry& e, const CtTuple& reply) {
  if (e.confirmed) index_.erase(e.tuple[1]);
  e.tuple[1] = reply;
  if (e.confirmed) index_[reply] = {e.id, CtDir::kReply};
}

void ConntrackTable::remove(uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  const CtEntry& e = *it->second;
  if (e.confirmed) {
    for (const CtTuple& t : e.tuple) {
      auto at = index_.find(t);
      if (at != index_.end() && at->second.first == id) index_.erase(at);
    }
  }
  entries_.erase(it);
}

void ConntrackTable::flush() {
  std::vector<uint64_t> ids;
  for (const auto& [id, e] : entries_) {
    if (e->confirmed) ids.push_back(id);
  }
  for (uint64_t id : ids) remove(id);
}

void ConntrackTable::set_all_timeouts(Duration timeout, Time now) {
  for (auto& [id, e] : entries_) {
    if (e->confirmed && alive(*e, now)) e->expires = now + timeout;
  }
}

void ConntrackTable::collect(Time now) {
  std::vector<uint64_t> ids;
  for (const auto& [id, e] : entries_) {
    if (e->confirmed && !alive(*e, now)) ids.push_back(id);
  }
  for (uint64_t id : ids) remove(id);
}

std::vector<const CtEntry*> ConntrackTable::live(Time now) const {
  std::vector<const CtEntry*> out;
  for (const auto& [id, e] : entries_) {
    if (e->confirmed && alive(*e, now)) out.push_back(e.get());
  }
  return out;
}

}  // namespace phantasm::sim
