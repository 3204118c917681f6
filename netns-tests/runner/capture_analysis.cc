#include "netns-tests/runner/capture_analysis.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "engine/wire/checksum.h"
#include "engine/wire/ip_address.h"

namespace phantasm::netns {
namespace {

constexpr size_t kMaxProblems = 8;
constexpr int64_t kCandidateGapNs = 100000000;  // 100 ms

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 | p[3];
}

bool private_source(std::span<const uint8_t> ip) {
  if (ip[0] >> 4 == 4) return ip[12] == 192 && ip[13] == 168 && (ip[14] == 200 || ip[14] == 201);
  return ip[8] == 0xfc && (ip[9] == 0xc8 || ip[9] == 0xc9);
}

std::string describe(std::span<const uint8_t> ip) {
  const bool v4 = ip[0] >> 4 == 4;
  const IpAddress src = v4 ? IpAddress::from_bytes(IpVersion::kV4, ip.subspan(12, 4))
                           : IpAddress::from_bytes(IpVersion::kV6, ip.subspan(8, 16));
  const IpAddress dst = v4 ? IpAddress::from_bytes(IpVersion::kV4, ip.subspan(16, 4))
                           : IpAddress::from_bytes(IpVersion::kV6, ip.subspan(24, 16));
  return src.to_string() + " > " + dst.to_string() + ", " + std::to_string(ip.size()) + " B";
}

std::string flags_text(uint8_t f) {
  std::string s;
  const char* names = "FSRPAUEC";
  for (int i = 0; i < 8; ++i) {
    if (f & (1 << i)) s += names[i];
  }
  return s.empty() ? "none" : s;
}

}  // namespace

nlohmann::json WireStats::to_json() const {
  return {{"packets", packets},
          {"tcp", tcp},
          {"checksums_checked", checksums_checked},
          {"bad_ip_checksum", bad_ip_checksum},
          {"bad_tcp_checksum", bad_tcp_checksum},
          {"no_flags", no_flags},
          {"fin_without_ack", fin_without_ack},
          {"leaked", leaked},
          {"syn", syn},
          {"syn_ack", syn_ack},
          {"rst", rst},
          {"problems", problems}};
}

WireStats WireStats::from_json(const nlohmann::json& j) {
  WireStats s;
  s.packets = j.value("packets", uint64_t{0});
  s.tcp = j.value("tcp", uint64_t{0});
  s.checksums_checked = j.value("checksums_checked", uint64_t{0});
  s.bad_ip_checksum = j.value("bad_ip_checksum", uint64_t{0});
  s.bad_tcp_checksum = j.value("bad_tcp_checksum", uint64_t{0});
  s.no_flags = j.value("no_flags", uint64_t{0});
  s.fin_without_ack = j.value("fin_without_ack", uint64_t{0});
  s.leaked = j.value("leaked", uint64_t{0});
  s.syn = j.value("syn", uint64_t{0});
  s.syn_ack = j.value("syn_ack", uint64_t{0});
  s.rst = j.value("rst", uint64_t{0});
  if (j.contains("problems")) s.problems = j.at("problems").get<std::vector<std::string>>();
  return s;
}

WireStats& WireStats::operator+=(const WireStats& o) {
  packets += o.packets;
  tcp += o.tcp;
  checksums_checked += o.checksums_checked;
  bad_ip_checksum += o.bad_ip_checksum;
  bad_tcp_checksum += o.bad_tcp_checksum;
  no_flags += o.no_flags;
  fin_without_ack += o.fin_without_ack;
  leaked += o.leaked;
  syn += o.syn;
  syn_ack += o.syn_ack;
  rst += o.rst;
  for (const auto& p : o.problems) {
    if (problems.size() < kMaxProblems) problems.push_back(p);
  }
  return *this;
}

std::optional<FlowId> udpgen_flow(std::span<const uint8_t> payload, bool data_only) {
  if (payload.size() < 16 || be32(payload.data()) != 0x50544731u) return std::nullopt;  // "PTG1"
  const uint8_t kind = payload[4];
  if (kind < 1 || kind > 3 || (data_only && kind != 1)) return std::nullopt;
  return FlowId{be32(payload.data() + 8), be32(payload.data() + 12)};
}

uint64_t udpgen_seq(std::span<const uint8_t> payload) {
  return static_cast<uint64_t>(be32(payload.data() + 16)) << 32 | be32(payload.data() + 20);
}

void WireCheck::problem(const std::string& what, std::span<const uint8_t> ip) {
  if (stats_.problems.size() < kMaxProblems) stats_.problems.push_back(what + ": " + describe(ip));
}

void WireCheck::on_packet(std::span<const uint8_t> ip, size_t wire_len) {
  if (ip.empty()) return;
  const int version = ip[0] >> 4;
  size_t header = 0;
  size_t total = 0;
  uint8_t protocol = 0;
  if (version == 4) {
    if (ip.size() < 20) return;
    header = static_cast<size_t>(ip[0] & 0x0F) * 4;
    if (header < 20 || ip.size() < header) return;
    total = be16(ip.data() + 2);
    protocol = ip[9];
  } else if (version == 6) {
    if (ip.size() < 40) return;
    header = 40;
    total = 40 + static_cast<size_t>(be16(ip.data() + 4));
    protocol = ip[6];  // extension headers: not TCP for these checks
  } else {
    return;
  }
  ++stats_.packets;
  if (private_source(ip)) {
    ++stats_.leaked;
    problem("TUN-private source", ip);
  }
  const bool whole = ip.size() >= total && wire_len >= total;
  if (version == 4 && wire::checksum_fold(wire::checksum_add(ip.first(header))) != 0xFFFF) {
    ++stats_.bad_ip_checksum;
    problem("bad IPv4 header checksum", ip);
  }
  if (protocol != 6 || total < header + 20) return;
  ++stats_.tcp;
  if (ip.size() < header + 20) return;
  const uint8_t* tcp = ip.data() + header;
  const size_t tcp_header = static_cast<size_t>(tcp[12] >> 4) * 4;
  const uint8_t flags = tcp[13];
  const uint16_t sport = be16(tcp), dport = be16(tcp + 2);
  const uint32_t seq = be32(tcp + 4), ack = be32(tcp + 8);
  // Flags: FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10.
  if ((flags & 0x17) == 0) {
    ++stats_.no_flags;
    problem("TCP segment without flags", ip);
  }
  if ((flags & 0x01) && !(flags & 0x10)) {
    ++stats_.fin_without_ack;
    problem("FIN without ACK", ip);
  }
  if (flags & 0x04) ++stats_.rst;
  if ((flags & 0x12) == 0x02) ++stats_.syn;
  if ((flags & 0x12) == 0x12) ++stats_.syn_ack;
  if (whole) {
    ++stats_.checksums_checked;
    const std::span<const uint8_t> segment = ip.subspan(header, total - header);
    IpAddress src, dst;
    if (version == 4) {
      src = IpAddress::from_bytes(IpVersion::kV4, ip.subspan(12, 4));
      dst = IpAddress::from_bytes(IpVersion::kV4, ip.subspan(16, 4));
    } else {
      src = IpAddress::from_bytes(IpVersion::kV6, ip.subspan(8, 16));
      dst = IpAddress::from_bytes(IpVersion::kV6, ip.subspan(24, 16));
    }
    const uint64_t sum =
        wire::checksum_add(segment, wire::pseudo_header_sum(src, dst, 6, static_cast<uint32_t>(segment.size())));
    if (wire::checksum_fold(sum) != 0xFFFF) {
      ++stats_.bad_tcp_checksum;
      problem("bad TCP checksum (flags " + flags_text(flags) + ")", ip);
    }
  }
  // Handshakes and what they carried: client to server is towards the tunnel port.
  if (dport == tunnel_port_ && (flags & 0x12) == 0x02) {
    current_isn_[sport] = seq;
    connections_[{sport, seq}];
    return;
  }
  if (sport == tunnel_port_ && (flags & 0x12) == 0x12) {
    if (auto it = connections_.find({dport, ack - 1}); it != connections_.end()) it->second.answered = true;
    return;
  }
  if (dport == tunnel_port_ && !(flags & 0x06) && tcp_header >= 20 && header + tcp_header < std::min(total, ip.size())) {
    const auto isn = current_isn_.find(sport);
    if (isn == current_isn_.end()) return;
    const auto payload = ip.subspan(header + tcp_header, std::min(total, ip.size()) - header - tcp_header);
    if (const auto id = udpgen_flow(payload, false)) connections_[{sport, isn->second}].flows.insert(*id);
  }
}

nlohmann::json WireCheck::connections_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [key, c] : connections_) {
    if (!c.answered) continue;
    nlohmann::json flows = nlohmann::json::array();
    for (const FlowId& id : c.flows) flows.push_back({id.session, id.flow});
    out.push_back({{"port", key.first}, {"isn", key.second}, {"flows", flows}});
  }
  return out;
}

uint64_t count_reconnects(const nlohmann::json& connections) {
  std::map<FlowId, uint64_t> carried;
  for (const auto& c : connections) {
    for (const auto& f : c.at("flows")) ++carried[FlowId{f.at(0).get<uint32_t>(), f.at(1).get<uint32_t>()}];
  }
  uint64_t n = 0;
  for (const auto& [id, k] : carried) n += k - 1;
  return n;
}

void FlowGaps::on_datagram(const FlowId& id, int64_t t_ns, uint64_t seq) {
  FlowTrace& t = flows_[id];
  if (t.count == 0) {
    t.first_ns = t_ns;
  } else if (t_ns - t.last_ns >= kCandidateGapNs) {
    t.candidate_gaps.push_back(Silence{t.last_ns, t_ns, seq > t.max_seq + 1 ? seq - t.max_seq - 1 : 0});
  }
  if (t.count == 0 || t_ns > t.last_ns) t.last_ns = t_ns;
  if (t.count == 0 || seq > t.max_seq) t.max_seq = seq;
  ++t.count;
}

nlohmann::json FlowGaps::to_json(int64_t min_gap_ns) const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, t] : flows_) {
    const int64_t mean = t.count > 1 ? (t.last_ns - t.first_ns) / static_cast<int64_t>(t.count - 1) : 0;
    const int64_t threshold = std::max(min_gap_ns, 10 * mean);
    nlohmann::json gaps = nlohmann::json::array();
    int64_t longest = 0;
    for (const Silence& g : t.candidate_gaps) {
      longest = std::max(longest, g.end_ns - g.start_ns);
      if (g.end_ns - g.start_ns >= threshold) gaps.push_back({g.start_ns, g.end_ns, g.missing});
    }
    out.push_back({{"session", id.session},
                   {"flow", id.flow},
                   {"count", t.count},
                   {"first_ns", t.first_ns},
                   {"last_ns", t.last_ns},
                   {"threshold_ns", threshold},
                   {"longest_ns", longest},
                   {"gaps", gaps}});
  }
  return out;
}

std::vector<FlowRecord> read_flow_records(const nlohmann::json& flows, const std::string& where) {
  std::vector<FlowRecord> out;
  for (const auto& f : flows) {
    FlowRecord r;
    r.where = where;
    r.id = FlowId{f.at("session").get<uint32_t>(), f.at("flow").get<uint32_t>()};
    r.count = f.at("count");
    r.first_ns = f.at("first_ns");
    r.last_ns = f.at("last_ns");
    r.threshold_ns = f.at("threshold_ns");
    for (const auto& g : f.at("gaps")) {
      r.gaps.push_back(Silence{g.at(0).get<int64_t>(), g.at(1).get<int64_t>(), g.size() > 2 ? g.at(2).get<uint64_t>() : 1});
    }
    out.push_back(std::move(r));
  }
  return out;
}

FlowOutage flow_outage(const std::vector<FlowRecord>& delivered, const std::vector<FlowRecord>& sent,
                       const std::vector<int64_t>& events_ns, int64_t slack_ns) {
  // A datagram needs a moment to cross the tunnel: send and delivery times are compared with
  // this much play.
  constexpr int64_t kPlay = 200000000;
  FlowOutage o;
  std::map<FlowId, const FlowRecord*> sends;
  for (const FlowRecord& f : sent) sends[f.id] = &f;
  // Without send times: when each session (one udpgen run, or the probe) last delivered.
  std::map<std::pair<std::string, uint32_t>, int64_t> session_end;
  for (const FlowRecord& f : delivered) {
    int64_t& end = session_end[{f.where, f.id.session}];
    end = std::max(end, f.last_ns);
  }
  auto name = [](const FlowRecord& f) { return fmt::format("{} {:08x}/{}", f.where, f.id.session, f.id.flow); };
  double worst = 0;
  bool all_recovered = true;
  for (const FlowRecord& f : delivered) {
    ++o.flows_timed;
    const auto s = sends.find(f.id);
    const FlowRecord* send = s == sends.end() ? nullptr : s->second;
    const int64_t first_send = send ? send->first_ns : f.first_ns;
    const int64_t last_send = send ? send->last_ns : session_end[{f.where, f.id.session}];
    // Nothing went missing across the silence (the sender paused, or everything sent meanwhile
    // arrived late), or the sender's own pause covers it: no outage.
    auto no_outage = [&](const Silence& g) {
      if (g.missing == 0) return true;
      if (!send) return false;
      if (g.start_ns + kPlay >= last_send || g.end_ns - kPlay <= first_send) return true;
      for (const Silence& p : send->gaps) {
        if (p.start_ns <= g.start_ns + kPlay && p.end_ns >= g.end_ns - kPlay) return true;
      }
      return false;
    };
    std::vector<std::pair<int64_t, int64_t>> outages;
    for (const Silence& g : f.gaps) {
      const int64_t a = g.start_ns, b = g.end_ns;
      if (no_outage(g)) {
        ++o.silences_while_idle;
        continue;
      }
      outages.emplace_back(a, b);
      const double secs = static_cast<double>(b - a) / 1e9;
      if (secs > o.longest_gap_s) o.longest_gap_s = secs, o.longest_gap_flow = name(f);
    }
    // Silent at the end while the flow went on sending: an open gap.
    const bool open_end = last_send - f.last_ns >= f.threshold_ns + kPlay;
    if (open_end) {
      const double secs = static_cast<double>(last_send - f.last_ns) / 1e9;
      if (secs > o.longest_gap_s) o.longest_gap_s = secs, o.longest_gap_flow = name(f) + " (never resumed)";
    }
    for (int64_t t : events_ns) {
      if (first_send >= t || last_send <= t) continue;  // the flow was not sending across the event
      std::optional<double> r;
      for (const auto& [a, b] : outages) {
        if (b > t && a < t + slack_ns) {
          r = static_cast<double>(b - t) / 1e9;
          break;
        }
      }
      if (!r) {
        if (f.last_ns < t || (open_end && f.last_ns < t + slack_ns)) {
          all_recovered = false;
          if (o.unrecovered.size() < 8) o.unrecovered.push_back(name(f));
          continue;
        }
        r = 0.0;
      }
      if (*r >= worst) {
        worst = *r;
        o.worst_recovery_flow = name(f);
      }
    }
  }
  if (all_recovered && !events_ns.empty()) o.recovery_s = worst;
  return o;
}

}  // namespace phantasm::netns
