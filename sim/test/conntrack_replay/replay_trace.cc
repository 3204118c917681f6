#include "sim/test/conntrack_replay/replay_trace.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "engine/core/rng.h"
#include "sim/model/conntrack_table.h"
#include "sim/model/ip_packet.h"
#include "sim/test/segment_builder.h"

namespace phantasm::sim::replay {
namespace {

namespace f = tcp_flag;

void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + static_cast<size_t>(i)] = static_cast<uint8_t>(v >> (24 - 8 * i));
}

// Field offsets of the TCP header inside the packet.
size_t tcp_at(const std::vector<uint8_t>& b) { return (b[0] >> 4) == 6 ? 40 : static_cast<size_t>(b[0] & 0x0F) * 4; }

void add_unique(std::vector<IpAddress>& v, const IpAddress& a) {
  if (std::find(v.begin(), v.end(), a) == v.end()) v.push_back(a);
}

// A segment of the same connection, made up: from `from_client`'s side with these numbers.
ReplayPacket forge(const IpPacket& like, char like_side, bool from_client, uint8_t flags, uint32_t seq, uint32_t ack,
                   std::vector<uint8_t> options, const std::string& note) {
  test::SegmentSpec s;
  const bool like_client = like_side == 'c';
  const bool swap = like_client != from_client;
  s.src = swap ? like.dst : like.src;
  s.dst = swap ? like.src : like.dst;
  s.sport = swap ? like.tcp->dport : like.tcp->sport;
  s.dport = swap ? like.tcp->sport : like.tcp->dport;
  s.seq = seq;
  s.ack = ack;
  s.flags = flags;
  s.window = 65535;
  s.options = std::move(options);
  return ReplayPacket{from_client ? 'c' : 's', test::build_segment(s), note};
}

// Window scale options become NOPs (what a stripping middlebox does).
bool strip_window_scale(std::vector<uint8_t>& b) {
  const size_t t = tcp_at(b);
  const size_t header = static_cast<size_t>(b[t + 12] >> 4) * 4;
  bool stripped = false;
  size_t i = t + 20;
  while (i < t + header) {
    const uint8_t kind = b[i];
    if (kind == 0) break;
    if (kind == 1) {
      ++i;
      continue;
    }
    if (i + 1 >= t + header || b[i + 1] < 2) break;
    const size_t len = b[i + 1];
    if (kind == 3) {
      std::fill(b.begin() + static_cast<std::ptrdiff_t>(i), b.begin() + static_cast<std::ptrdiff_t>(i + len), 1);
      stripped = true;
    }
    i += len;
  }
  return stripped;
}

}  // namespace

ReplayTrace trace_from_capture(const std::vector<CapturedPacket>& captured, uint16_t server_port) {
  ReplayTrace t;
  bool first = true;
  for (const CapturedPacket& c : captured) {
    if (c.bytes.empty()) continue;
    std::vector<uint8_t> bytes = c.bytes;
    // Headers only were captured: pad the payload back (zeros) to the length the IP header
    // says, so sequence arithmetic and checksums are those of the real packet.
    bytes.resize(std::max<size_t>(bytes.size(), c.wire_len), 0);
    auto p = parse_ip_packet(bytes);
    if (!p || !p->tcp || !p->tcp->has_header) continue;
    bytes.resize(p->total_len);
    fill_checksums(bytes);
    if (first) t.family = p->version;
    first = false;
    if (p->version != t.family) continue;
    const bool from_client = p->tcp->dport == server_port;
    add_unique(from_client ? t.client_addresses : t.server_addresses, p->src);
    add_unique(from_client ? t.server_addresses : t.client_addresses, p->dst);
    t.packets.push_back({from_client ? 'c' : 's', std::move(bytes), ""});
  }
  return t;
}

ReplayTrace mutate(const ReplayTrace& base, uint64_t seed) {
  ReplayTrace out = base;
  out.packets.clear();
  Rng rng(seed * 0x9E3779B97F4A7C15ull + 0x5EED);
  const bool window_stress = seed % 3 == 1;
  // Seeds 2, 5, ...: the box comes up in the middle of the conversation (loose pickup).
  const size_t start = seed % 3 == 2 ? base.packets.size() / 4 : 0;
  std::vector<ReplayPacket> in(base.packets.begin() + static_cast<std::ptrdiff_t>(start), base.packets.end());
  for (size_t i = 0; i < in.size(); ++i) {
    ReplayPacket pk = in[i];
    auto p = parse_ip_packet(pk.bytes);
    const TcpFields& tcp = *p->tcp;
    const size_t t = tcp_at(pk.bytes);
    const bool handshake = tcp.syn();
    const bool pure_ack = tcp.flags == f::kAck && tcp.payload_len() == 0;
    if (window_stress && handshake && tcp.ack_flag() && strip_window_scale(pk.bytes)) {
      fill_checksums(pk.bytes);
      pk.note = "wscale stripped";
    }
    if (window_stress && pure_ack && rng.chance(0.8)) continue;  // lost before the box
    const double r = static_cast<double>(rng.next_u64() >> 11) * 0x1.0p-53;
    double edge = 0;
    auto band = [&](double width) {
      edge += width;
      return r < edge;
    };
    // Lost before the box. A lost pure ACK changes nothing for the ends (ACKs are cumulative);
    // lost data is rarer: the box would then see its acknowledgement without the data, which
    // only happens when the box misses packets the ends exchange (asymmetric routing).
    if (band(pure_ack ? 0.05 : 0.002)) continue;
    if (band(0.02)) {          // duplicated
      ReplayPacket copy = pk;
      copy.note = "duplicate";
      out.packets.push_back(pk);
      out.packets.push_back(copy);
      continue;
    }
    if (band(0.02) && i + 1 < in.size()) {  // overtaken by the next packet
      std::swap(in[i], in[i + 1]);
      out.packets.push_back(in[i]);
      out.packets.back().note = "reordered";
      continue;
    }
    if (handshake && rng.chance(0.3) && strip_window_scale(pk.bytes)) pk.note = "wscale stripped";
    if (band(0.01)) {
      pk.bytes[t + 16] ^= 0x5A;  // checksum wrong from here on
      out.packets.push_back({pk.side, pk.bytes, "bad checksum"});
      continue;
    } else if (band(0.015)) {
      put32(pk.bytes, t + 4, tcp.seq + static_cast<uint32_t>(rng.uniform(1u << 16, 1u << 31)));
      pk.note = "seq jumped ahead";
    } else if (band(0.01)) {
      put32(pk.bytes, t + 4, tcp.seq - static_cast<uint32_t>(rng.uniform(1u << 10, 1u << 24)));
      pk.note = "seq went back";
    } else if (band(0.01)) {
      put32(pk.bytes, t + 8, tcp.ack + static_cast<uint32_t>(rng.uniform(1, 1u << 20)));
      pk.note = "ack ahead of data";
    } else if (band(0.01)) {
      put32(pk.bytes, t + 8, tcp.ack - static_cast<uint32_t>(rng.uniform(1u << 16, 1u << 24)));
      pk.note = "ack far behind";
    } else if (band(0.01)) {
      static constexpr uint8_t kFlags[] = {f::kFin, 0, f::kSyn | f::kFin, f::kFin | f::kAck, f::kRst, f::kRst | f::kAck,
                                           f::kSyn, f::kSyn | f::kAck, f::kUrg | f::kAck, f::kPsh | f::kAck};
      pk.bytes[t + 13] = kFlags[rng.uniform(0, std::size(kFlags) - 1)];
      pk.note = "flags changed";
    } else if (band(0.005)) {
      pk.bytes[t + 12] = static_cast<uint8_t>((pk.bytes[t + 12] & 0x0F) | 0xF0);  // doff 15: header past the end
      pk.note = "data offset too large";
    } else if (band(0.005)) {
      pk.bytes[t + 14] = pk.bytes[t + 15] = 0;
      pk.note = "zero window";
    }
    if (!pk.note.empty() && pk.note != "bad checksum") fill_checksums(pk.bytes);
    out.packets.push_back(pk);
    // Packets the box never saw from either end: spoofed RSTs and SYNs for this connection.
    if (rng.chance(0.012)) {
      const bool from_client = rng.chance(0.5);
      const uint32_t seq = rng.chance(0.5) ? (from_client == (pk.side == 'c') ? tcp.seq : tcp.ack)
                                           : rng.next_u32();
      out.packets.push_back(forge(*p, pk.side, from_client, rng.chance(0.5) ? f::kRst : f::kRst | f::kAck, seq,
                                  from_client == (pk.side == 'c') ? tcp.ack : tcp.seq, {}, "spoofed RST"));
    } else if (rng.chance(0.008)) {
      const uint32_t isn = rng.next_u32();
      out.packets.push_back(forge(*p, pk.side, true, f::kSyn, isn, 0, test::opt_wscale(7), "spoofed SYN"));
      if (rng.chance(0.5)) {
        out.packets.push_back(forge(*p, pk.side, false, f::kSyn | f::kAck, rng.next_u32(), isn + 1, test::opt_wscale(7),
                                    "SYN-ACK to the spoofed SYN"));
      }
    }
  }
  return out;
}

void write_trace(const ReplayTrace& t, const std::string& path) {
  std::ofstream out(path);
  auto list = [](const std::vector<IpAddress>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ",\"" : "\"") + v[i].to_string() + "\"";
    return s + "]";
  };
  out << "{\"family\":\"" << (t.family == IpVersion::kV6 ? "ipv6" : "ipv4") << "\",\"client\":" << list(t.client_addresses)
      << ",\"server\":" << list(t.server_addresses) << ",\"packets\":" << t.packets.size() << "}\n";
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < t.packets.size(); ++i) {
    const ReplayPacket& p = t.packets[i];
    std::string hex;
    hex.reserve(p.bytes.size() * 2);
    for (uint8_t b : p.bytes) {
      hex.push_back(kHex[b >> 4]);
      hex.push_back(kHex[b & 15]);
    }
    out << "{\"i\":" << i << ",\"side\":\"" << p.side << "\",\"hex\":\"" << hex << "\"}\n";
  }
}

uint32_t fingerprint(const std::vector<uint8_t>& bytes) {
  uint32_t h = 2166136261u;
  for (uint8_t b : bytes) h = (h ^ b) * 16777619u;
  return h;
}

std::vector<Observation> model_replay(const ReplayTrace& t, const TcpCtSettings& settings) {
  ConntrackTable table(settings);
  std::vector<Observation> out;
  Time now = Time::zero();
  for (const ReplayPacket& pk : t.packets) {
    table.set_all_timeouts(std::chrono::seconds(kSentinelSeconds), now);
    Observation o;
    o.fingerprint = fingerprint(pk.bytes);
    const auto p = parse_ip_packet(pk.bytes);
    if (!p) {
      o.invalid = true;  // the IP layer drops it before conntrack
      out.push_back(o);
      continue;
    }
    const CtLookup l = table.track(pk.bytes, *p, true, now);
    table.finish(l, now);
    o.invalid = l.info == CtInfo::kInvalid;
    if (const CtEntry* e = table.find(tuple_of(*p), now)) {
      o.has_entry = true;
      o.state = std::string(to_string(e->tcp.state()));
      o.timeout = std::chrono::duration_cast<std::chrono::seconds>(e->expires - now).count();
      o.assured = e->status.assured;
    }
    out.push_back(o);
    now = now + std::chrono::milliseconds(10);
  }
  return out;
}

void write_observations(const std::vector<Observation>& obs, const std::string& path) {
  std::ofstream out(path);
  for (size_t i = 0; i < obs.size(); ++i) {
    const Observation& o = obs[i];
    char fp[9];
    std::snprintf(fp, sizeof fp, "%08x", o.fingerprint);
    out << i << ' ' << fp << ' ' << (o.invalid ? 'I' : '-') << ' ';
    if (o.has_entry) out << o.state << ' ' << o.timeout << ' ' << (o.assured ? 'A' : '-') << '\n';
    else out << "- - -\n";
  }
}

std::vector<Observation> read_observations(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::vector<Observation> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    size_t index;
    std::string fp, invalid, state, timeout, assured;
    if (!(fields >> index >> fp >> invalid >> state >> timeout >> assured) || index != out.size()) {
      throw std::runtime_error(path + ": bad line " + std::to_string(out.size() + 1) + ": " + line);
    }
    Observation o;
    o.fingerprint = static_cast<uint32_t>(std::stoul(fp, nullptr, 16));
    o.invalid = invalid == "I";
    o.has_entry = state != "-";
    if (o.has_entry) {
      o.state = state;
      o.timeout = std::stoll(timeout);
      o.assured = assured == "A";
    }
    out.push_back(o);
  }
  return out;
}

bool same(const Observation& a, const Observation& b) {
  if (a.invalid != b.invalid || a.has_entry != b.has_entry) return false;
  if (!a.has_entry) return true;
  const int64_t d = a.timeout - b.timeout;
  return a.state == b.state && a.assured == b.assured && d >= -1 && d <= 1;
}

std::string describe(const Observation& o) {
  std::string s = o.invalid ? "INVALID" : "valid";
  if (!o.has_entry) return s + ", no entry";
  return s + ", " + o.state + " " + std::to_string(o.timeout) + " s" + (o.assured ? " [ASSURED]" : "");
}

}  // namespace phantasm::sim::replay
