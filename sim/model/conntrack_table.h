// One network namespace's connection tracking table for TCP (nf_conntrack_core + the TCP
// tracker of tcp_conntrack.h): entries found by either direction's tuple, new entries that
// only become permanent when their first packet leaves the hooks (confirmation), timers that
// make entries vanish when they expire, flushing, and the `invalid` statistic of conntrack -S.
// NAT (nat.h) changes an entry's reply tuple; the table keeps both tuples findable.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/time.h"
#include "sim/model/ip_packet.h"
#include "sim/model/tcp_conntrack.h"

namespace phantasm::sim {

struct CtTuple {
  IpAddress src;
  IpAddress dst;
  uint16_t sport = 0;
  uint16_t dport = 0;

  CtTuple inverted() const { return {dst, src, dport, sport}; }
  std::string to_string() const;
  friend auto operator<=>(const CtTuple&, const CtTuple&) = default;
  friend bool operator==(const CtTuple&, const CtTuple&) = default;
};

CtTuple tuple_of(const IpPacket& p);

struct CtEntry {
  uint64_t id = 0;  // creation order: iteration and reports are deterministic
  CtTuple tuple[2];  // [CtDir::kOriginal], [CtDir::kReply]
  TcpConntrack tcp;
  CtStatus status;
  Time expires;
  bool confirmed = false;
  bool src_nat_done = false;  // the SRC manip was decided (masquerade/SNAT or a null binding)
  bool dst_nat_done = false;
  bool src_nat = false;       // ... and changed something
  bool dst_nat = false;
  uint32_t limit_rule = 0;    // counted by a connection-limit rule (its id), 0: none

  const CtTuple& original() const { return tuple[0]; }
  const CtTuple& reply() const { return tuple[1]; }
};

// What conntrack attached to a packet ("ct state" in nft terms).
enum class CtInfo : uint8_t {
  kInvalid,      // no entry: malformed, refused as new, or INVALID in window tracking
  kNew,          // original direction, no reply seen yet
  kEstablished,  // original direction after a reply, or any reply-direction packet
};

struct CtLookup {
  CtEntry* entry = nullptr;  // nothing when kInvalid
  CtDir dir = CtDir::kOriginal;
  CtInfo info = CtInfo::kInvalid;
  TcpVerdict verdict = TcpVerdict::kInvalid;  // of the TCP tracker (kAccept for non-TCP)
  bool created = false;      // the entry is new and unconfirmed
  bool refreshed = false;    // its timer was set by this packet
  bool kill_after = false;   // the entry goes once the packet has passed (RST before a reply)
};

class ConntrackTable {
 public:
  explicit ConntrackTable(TcpCtSettings settings = {}) : settings_(settings) {}

  // nf_conntrack_in() for one packet at PRE_ROUTING (`prerouting`: checksums are verified
  // there) or LOCAL_OUT. Non-TCP packets get kEstablished without an entry (not modelled).
  CtLookup track(std::span<const uint8_t> bytes, const IpPacket& p, bool prerouting, Time now);

  // The packet of `l` left the hooks: a new entry becomes permanent; a killed one goes. False
  // when the new entry clashes with one confirmed meanwhile (either tuple taken): Linux drops
  // the packet then (TCP has no clash resolution) and counts insert_failed.
  bool finish(const CtLookup& l, Time now);
  // The packet of `l` was dropped: an unconfirmed entry goes with it, and so does one the packet
  // killed (a RST before any reply: Linux removes it at once, not when the packet leaves).
  void discard(const CtLookup& l);

  // A confirmed, unexpired entry holding `t` in either direction.
  CtEntry* find(const CtTuple& t, Time now, CtDir* dir = nullptr);
  // Whether another live entry already uses `t` as a tuple (NAT's uniqueness test).
  bool tuple_taken(const CtTuple& t, const CtEntry* except, Time now);
  // Confirmed live entries whose original source is `src`/`sport` with a source NAT: the
  // mapping Linux reuses for another connection from the same source (find_appropriate_src).
  const CtEntry* find_by_source(const IpAddress& src, uint16_t sport, Time now) const;
  // Re-indexes an entry whose reply tuple NAT just changed (only while unconfirmed).
  void set_reply(CtEntry& e, const CtTuple& reply);

  void flush();  // conntrack -F
  // conntrack -U --timeout: every live entry's timer set to `timeout` from now.
  void set_all_timeouts(Duration timeout, Time now);
  // Drops expired entries (the kernel's garbage collector); lookups ignore them anyway.
  void collect(Time now);
  std::vector<const CtEntry*> live(Time now) const;

  const TcpCtSettings& settings() const { return settings_; }
  TcpCtSettings& settings() { return settings_; }
  uint64_t stat_invalid() const { return stat_invalid_; }  // conntrack -S invalid=
  uint64_t stat_found() const { return stat_found_; }
  uint64_t stat_inserted() const { return stat_inserted_; }
  uint64_t stat_insert_failed() const { return stat_insert_failed_; }

 private:
  CtLookup track_tcp(std::span<const uint8_t> bytes, const IpPacket& p, bool prerouting, Time now);
  void remove(uint64_t id);
  bool alive(const CtEntry& e, Time now) const { return e.expires > now; }

  TcpCtSettings settings_;
  std::map<uint64_t, std::unique_ptr<CtEntry>> entries_;  // confirmed and pending
  std::map<CtTuple, std::pair<uint64_t, CtDir>> index_;  // confirmed only
  uint64_t next_id_ = 1;
  uint64_t stat_invalid_ = 0;
  uint64_t stat_found_ = 0;
  uint64_t stat_inserted_ = 0;
  uint64_t stat_insert_failed_ = 0;
};

}  // namespace phantasm::sim
