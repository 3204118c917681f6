#include "sim/model/netfilter_node.h"

#include "sim/model/ip_packet.h"

namespace phantasm::sim {

bool IpPrefix::contains(const IpAddress& a) const {
  if (a.version() != address.version()) return false;
  const auto x = a.bytes();
  const auto y = address.bytes();
  size_t bits = length;
  for (size_t i = 0; i < x.size() && bits > 0; ++i) {
    const size_t take = bits >= 8 ? 8 : bits;
    const auto mask = static_cast<uint8_t>(0xFF << (8 - take));
    if ((x[i] & mask) != (y[i] & mask)) return false;
    bits -= take;
  }
  return true;
}

std::optional<IpAddress> NodeInterface::address_of(IpVersion v) const {
  for (const IpAddress& a : addresses) {
    if (a.version() == v) return a;
  }
  return std::nullopt;
}

NetfilterNode::NetfilterNode(NodeConfig config, uint64_t seed)
    : config_(std::move(config)), conntrack_(config_.conntrack), nat_(seed) {}

bool NetfilterNode::is_local(const IpAddress& a) const {
  for (const NodeInterface& i : config_.interfaces) {
    if (!i.up) continue;
    for (const IpAddress& mine : i.addresses) {
      if (mine == a) return true;
    }
  }
  return false;
}

std::optional<size_t> NetfilterNode::route(const IpAddress& dst) const {
  std::optional<size_t> best;
  int best_length = -1;
  for (const NodeRoute& r : config_.routes) {
    if (config_.interfaces[r.iface].up && r.prefix.contains(dst) && r.prefix.length > best_length) {
      best = r.iface;
      best_length = r.prefix.length;
    }
  }
  return best;
}

void NetfilterNode::emit(size_t iface, std::vector<uint8_t>&& bytes) {
  if (emit_) emit_(iface, std::move(bytes));
}

void NetfilterNode::rebind_source_nat(std::optional<PortSpan> ports) {
  if (config_.snat) config_.snat->ports = ports;
  conntrack_.flush();
}

bool NetfilterNode::has_assured(uint16_t port, Time now) const {
  for (const CtEntry* e : conntrack_.live(now)) {
    if (e->tcp.state() == TcpCtState::kEstablished && e->status.assured &&
        (e->original().dport == port || e->reply().dport == port)) {
      return true;
    }
  }
  return false;
}

bool NetfilterNode::forward_allowed(const CtLookup& ct, const IpPacket& p, Time now) {
  if (!config_.firewall) return true;
  const ForwardFirewall& fw = *config_.firewall;
  if (fw.drop_invalid && ct.info == CtInfo::kInvalid) {
    ++counters_.dropped_invalid;
    return false;
  }
  if (ct.info != CtInfo::kNew || !p.tcp) return true;
  using namespace tcp_flag;
  if (fw.new_must_be_syn && (p.tcp->flags & (kFin | kSyn | kRst | kAck)) != kSyn) {
    ++counters_.dropped_not_syn;
    return false;
  }
  if (fw.max_connections && ct.entry) {
    // nft `ct count`: connections this rule let through that conntrack still tracks, closed
    // ones (TIME_WAIT, CLOSE) not counted; a connection is counted once.
    uint32_t count = 0;
    for (const CtEntry* e : conntrack_.live(now)) {
      if (e->limit_rule && e != ct.entry && e->tcp.state() != TcpCtState::kTimeWait &&
          e->tcp.state() != TcpCtState::kClose) {
        ++count;
      }
    }
    if (count + 1 > *fw.max_connections) {
      ++counters_.dropped_conn_limit;
      return false;
    }
    ct.entry->limit_rule = 1;
  }
  return true;
}

std::optional<NatTarget> NetfilterNode::source_nat_target(std::optional<size_t> in_iface, size_t out_iface,
                                                          const IpPacket& p) const {
  if (!config_.snat) return std::nullopt;
  const SourceNatRule& r = *config_.snat;
  if (r.out_iface != out_iface) return std::nullopt;
  if (r.in_iface && r.in_iface != in_iface) return std::nullopt;
  std::optional<IpAddress> address;
  if (r.masquerade) {
    address = config_.interfaces[out_iface].address_of(p.version);
  } else {
    for (const IpAddress& a : r.to) {
      if (a.version() == p.version) address = a;
    }
  }
  if (!address) return std::nullopt;
  return NatTarget{*address, r.ports};
}

void NetfilterNode::post_routing(std::optional<size_t> in_iface, size_t out_iface, CtLookup& ct,
                                 std::vector<uint8_t>& bytes, IpPacket& p, Time now) {
  if (ct.entry) {
    if (ct.info == CtInfo::kNew && !ct.entry->src_nat_done &&
        !nat_.bind(conntrack_, *ct.entry, NatManip::kSource, source_nat_target(in_iface, out_iface, p), now)) {
      ++counters_.dropped_nat;
      conntrack_.discard(ct);
      return;
    }
    Nat::apply(*ct.entry, ct.dir, NatManip::kSource, bytes, p);
  }
  const NodeInterface& out = config_.interfaces[out_iface];
  if (out.wire) {
    for (const IpPrefix& prefix : config_.private_sources) {
      if (prefix.contains(p.src)) {
        ++counters_.leaked;
        break;
      }
    }
  }
  if (!conntrack_.finish(ct, now)) {
    ++counters_.dropped_clash;
    return;
  }
  emit(out_iface, std::move(bytes));
}

void NetfilterNode::receive(size_t iface, std::vector<uint8_t> bytes, Time now) {
  ++counters_.received;
  // Expired entries are invisible already; dropping them now and then bounds the memory.
  if (now - last_collect_ > std::chrono::seconds(60)) {
    conntrack_.collect(now);
    last_collect_ = now;
  }
  auto parsed = parse_ip_packet(bytes);
  if (!parsed) {
    ++counters_.dropped_malformed;
    return;
  }
  IpPacket& p = *parsed;
  // PRE_ROUTING: conntrack (-200), the invalid counter (-150), DNAT (-100).
  CtLookup ct = conntrack_.track(bytes, p, true, now);
  if (ct.info == CtInfo::kInvalid) ++counters_.invalid;
  if (ct.entry) {
    if (ct.info == CtInfo::kNew && !ct.entry->dst_nat_done) {
      std::optional<NatTarget> target;
      const auto& d = config_.dnat;
      if (d && d->in_iface == iface && p.tcp && p.tcp->dport == d->dport) {
        for (const IpAddress& a : d->to) {
          if (a.version() == p.version) target = NatTarget{a, std::nullopt};
        }
      }
      nat_.bind(conntrack_, *ct.entry, NatManip::kDestination, target, now);
    }
    Nat::apply(*ct.entry, ct.dir, NatManip::kDestination, bytes, p);
  }
  // Routing input: a packet from outside with one of our addresses as its source is a martian
  // and goes (accept_local is 0); what the engine writes into the TUN has the peer's address.
  if (is_local(p.src)) {
    ++counters_.dropped_martian;
    conntrack_.discard(ct);
    return;
  }
  if (is_local(p.dst)) {
    deliver_local(ct, bytes, p, now);
    return;
  }
  const auto out = route(p.dst);
  if (!out) {
    ++counters_.dropped_no_route;
    conntrack_.discard(ct);
    return;
  }
  if (!decrement_ttl(bytes, p)) {
    ++counters_.dropped_ttl;
    conntrack_.discard(ct);
    return;
  }
  // FORWARD: the scenario's firewall, then the outgoing link's MTU (DF is set: no fragments).
  if (!forward_allowed(ct, p, now)) {
    conntrack_.discard(ct);
    return;
  }
  const uint32_t mtu = config_.interfaces[*out].mtu;
  if (mtu && p.total_len > mtu) {
    ++counters_.dropped_mtu;
    conntrack_.discard(ct);
    return;
  }
  ++counters_.forwarded;
  post_routing(iface, *out, ct, bytes, p, now);
}

void NetfilterNode::output(std::vector<uint8_t> bytes, Time now) {
  auto parsed = parse_ip_packet(bytes);
  if (!parsed) return;
  IpPacket& p = *parsed;
  CtLookup ct = conntrack_.track(bytes, p, false, now);
  if (ct.info == CtInfo::kInvalid) ++counters_.invalid;
  if (ct.entry) {
    if (ct.info == CtInfo::kNew) nat_.bind(conntrack_, *ct.entry, NatManip::kDestination, std::nullopt, now);
    Nat::apply(*ct.entry, ct.dir, NatManip::kDestination, bytes, p);
  }
  const auto out = route(p.dst);
  if (!out) {
    ++counters_.dropped_no_route;
    conntrack_.discard(ct);
    return;
  }
  post_routing(std::nullopt, *out, ct, bytes, p, now);
}

void NetfilterNode::deliver_local(CtLookup& ct, std::vector<uint8_t>& bytes, IpPacket& p, Time now) {
  // LOCAL_IN: the source manip (undoing a DNAT for answers), then confirmation.
  if (ct.entry) {
    if (ct.info == CtInfo::kNew) nat_.bind(conntrack_, *ct.entry, NatManip::kSource, std::nullopt, now);
    Nat::apply(*ct.entry, ct.dir, NatManip::kSource, bytes, p);
  }
  if (!conntrack_.finish(ct, now)) {
    ++counters_.dropped_clash;
    return;
  }
  ++counters_.delivered_local;
  // Nothing listens on TCP in these namespaces: the kernel resets whatever arrives.
  if (config_.kernel_rst && p.tcp && p.tcp->has_header) {
    if (auto rst = kernel_reset_for(bytes, p)) {
      ++counters_.kernel_rsts;
      output(std::move(*rst), now);
    }
  }
}

std::optional<std::vector<uint8_t>> kernel_reset_for(std::span<const uint8_t> bytes, const IpPacket& p) {
  (void)bytes;
  const TcpFields& t = *p.tcp;
  if (t.rst()) return std::nullopt;
  const bool v6 = p.version == IpVersion::kV6;
  const size_t ip_len = v6 ? 40 : 20;
  std::vector<uint8_t> r(ip_len + 20, 0);
  if (v6) {
    r[0] = 0x60;
    r[5] = 20;
    r[6] = kProtoTcp;
    r[7] = 64;
    std::copy(p.dst.bytes().begin(), p.dst.bytes().end(), r.begin() + 8);
    std::copy(p.src.bytes().begin(), p.src.bytes().end(), r.begin() + 24);
  } else {
    r[0] = 0x45;
    r[3] = 40;
    r[6] = 0x40;
    r[8] = 64;
    r[9] = kProtoTcp;
    std::copy(p.dst.bytes().begin(), p.dst.bytes().end(), r.begin() + 12);
    std::copy(p.src.bytes().begin(), p.src.bytes().end(), r.begin() + 16);
  }
  uint8_t* h = r.data() + ip_len;
  h[0] = static_cast<uint8_t>(t.dport >> 8);
  h[1] = static_cast<uint8_t>(t.dport);
  h[2] = static_cast<uint8_t>(t.sport >> 8);
  h[3] = static_cast<uint8_t>(t.sport);
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint8_t flags = tcp_flag::kRst;
  if (t.ack_flag()) {
    seq = t.ack;  // RFC 793: <SEQ=SEG.ACK><CTL=RST>
  } else {
    ack = t.end();  // <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
    flags |= tcp_flag::kAck;
  }
  for (int i = 0; i < 4; ++i) {
    h[4 + i] = static_cast<uint8_t>(seq >> (24 - 8 * i));
    h[8 + i] = static_cast<uint8_t>(ack >> (24 - 8 * i));
  }
  h[12] = 5 << 4;
  h[13] = flags;
  fill_checksums(r);
  return r;
}

}  // namespace phantasm::sim
