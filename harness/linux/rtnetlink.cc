#include "harness/linux/rtnetlink.h"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "harness/linux/setup_error.h"

namespace phantasm::linux_host {
namespace {

constexpr size_t align4(size_t n) { return (n + 3) & ~size_t{3}; }

// Builds one netlink message: header, a fixed family struct, then attributes, 4-byte aligned.
class MessageBuilder {
 public:
  MessageBuilder(uint16_t type, uint16_t flags) {
    nlmsghdr header{};
    header.nlmsg_type = type;
    header.nlmsg_flags = static_cast<uint16_t>(flags | NLM_F_REQUEST);
    append(&header, sizeof header);
  }
  template <typename T>
  void add_struct(const T& value) {
    append(&value, sizeof value);
  }
  void add_attribute(uint16_t type, std::span<const uint8_t> payload) {
    rtattr attr{};
    attr.rta_type = type;
    attr.rta_len = static_cast<uint16_t>(RTA_LENGTH(payload.size()));
    append(&attr, sizeof attr);
    append(payload.data(), payload.size());
  }
  std::vector<uint8_t> finish() {
    uint32_t length = static_cast<uint32_t>(bytes_.size());
    std::memcpy(bytes_.data() + offsetof(nlmsghdr, nlmsg_len), &length, sizeof length);
    return std::move(bytes_);
  }

 private:
  void append(const void* data, size_t size) {
    const auto* p = static_cast<const uint8_t*>(data);
    bytes_.insert(bytes_.end(), p, p + size);
    bytes_.resize(align4(bytes_.size()), 0);
  }
  std::vector<uint8_t> bytes_;
};

template <typename T>
std::span<const uint8_t> as_bytes_of(const T& value) {
  return {reinterpret_cast<const uint8_t*>(&value), sizeof value};
}

// Walks the netlink messages in one datagram, stopping at the first malformed header.
template <typename Visit>
void for_each_message(std::span<const uint8_t> datagram, Visit&& visit) {
  while (datagram.size() >= sizeof(nlmsghdr)) {
    nlmsghdr header;
    std::memcpy(&header, datagram.data(), sizeof header);
    if (header.nlmsg_len < sizeof header || header.nlmsg_len > datagram.size()) return;
    if (!visit(header, datagram.first(header.nlmsg_len))) return;
    size_t step = align4(header.nlmsg_len);
    if (step >= datagram.size()) return;
    datagram = datagram.subspan(step);
  }
}

// Calls visit(type, payload) for each attribute in `bytes` from `offset`; false on a malformed
// attribute.
template <typename Visit>
bool for_each_attribute(std::span<const uint8_t> bytes, size_t offset, Visit&& visit) {
  while (offset + sizeof(rtattr) <= bytes.size()) {
    rtattr attr;
    std::memcpy(&attr, bytes.data() + offset, sizeof attr);
    if (attr.rta_len < sizeof attr || offset + attr.rta_len > bytes.size()) return false;
    visit(attr.rta_type, bytes.subspan(offset + RTA_LENGTH(0), attr.rta_len - RTA_LENGTH(0)));
    offset += align4(attr.rta_len);
  }
  return true;
}

uint32_t read_u32(std::span<const uint8_t> payload) {
  uint32_t value = 0;
  if (payload.size() >= sizeof value) std::memcpy(&value, payload.data(), sizeof value);
  return value;
}

// An RTM_NEWROUTE message as a Route; nothing when it is malformed.
std::optional<Route> parse_route(std::span<const uint8_t> bytes) {
  if (bytes.size() < NLMSG_HDRLEN + sizeof(rtmsg)) return std::nullopt;
  rtmsg header;
  std::memcpy(&header, bytes.data() + NLMSG_HDRLEN, sizeof header);
  if (header.rtm_family != AF_INET && header.rtm_family != AF_INET6) return std::nullopt;
  const IpVersion version = header.rtm_family == AF_INET ? IpVersion::kV4 : IpVersion::kV6;
  const size_t address_size = version == IpVersion::kV4 ? 4 : 16;
  Route route;
  route.destination = IpAddress::from_bytes(version, std::array<uint8_t, 16>{});
  route.prefix_length = header.rtm_dst_len;
  route.table = header.rtm_table;
  route.type = header.rtm_type;
  bool ok = for_each_attribute(bytes, NLMSG_HDRLEN + align4(sizeof(rtmsg)),
                               [&](uint16_t type, std::span<const uint8_t> payload) {
    switch (type) {
      case RTA_DST:
        if (payload.size() == address_size) route.destination = IpAddress::from_bytes(version, payload);
        break;
      case RTA_GATEWAY:
        if (payload.size() == address_size) route.gateway = IpAddress::from_bytes(version, payload);
        break;
      case RTA_OIF: route.oif = static_cast<int>(read_u32(payload)); break;
      case RTA_TABLE: route.table = read_u32(payload); break;
      case RTA_PRIORITY: route.priority = read_u32(payload); break;
      default: break;
    }
  });
  if (!ok) return std::nullopt;
  return route;
}

std::vector<uint8_t> host_route_message(uint16_t type, uint16_t flags,
                                        const IpAddress& destination,
                                        const std::optional<IpAddress>& gateway, int oif,
                                        uint32_t table) {
  MessageBuilder builder(type, flags);
  rtmsg info{};
  info.rtm_family = static_cast<uint8_t>(destination.is_v4() ? AF_INET : AF_INET6);
  info.rtm_dst_len = static_cast<uint8_t>(destination.is_v4() ? 32 : 128);
  info.rtm_table = static_cast<uint8_t>(table < 256 ? table : RT_TABLE_UNSPEC);
  info.rtm_protocol = RTPROT_STATIC;
  info.rtm_scope = gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
  info.rtm_type = RTN_UNICAST;
  builder.add_struct(info);
  builder.add_attribute(RTA_DST, destination.bytes());
  if (gateway) builder.add_attribute(RTA_GATEWAY, gateway->bytes());
  const uint32_t out = static_cast<uint32_t>(oif);
  builder.add_attribute(RTA_OIF, as_bytes_of(out));
  builder.add_attribute(RTA_TABLE, as_bytes_of(table));
  return builder.finish();
}

}  // namespace

RtNetlink::RtNetlink() {
  fd_ = UniqueFd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
  if (!fd_.valid()) throw_setup_error("netlink socket", errno);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
    throw_setup_error("netlink bind", errno);
  }
}

uint32_t RtNetlink::stamp(std::vector<uint8_t>& message) {
  uint32_t seq = next_seq_++;
  std::memcpy(message.data() + offsetof(nlmsghdr, nlmsg_seq), &seq, sizeof seq);
  return seq;
}

int RtNetlink::transact(std::vector<uint8_t>& message) {
  uint32_t seq = stamp(message);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_.get(), message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0) {
    return errno;
  }
  std::array<uint8_t, 8192> reply;
  for (;;) {
    ssize_t n = ::recv(fd_.get(), reply.data(), reply.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    std::optional<int> result;
    for_each_message(std::span<const uint8_t>(reply.data(), static_cast<size_t>(n)),
                     [&](const nlmsghdr& header, std::span<const uint8_t> bytes) {
                       if (header.nlmsg_seq != seq || header.nlmsg_type != NLMSG_ERROR) return true;
                       if (bytes.size() < NLMSG_LENGTH(sizeof(nlmsgerr))) {
                         result = EPROTO;
                       } else {
                         nlmsgerr err;
                         std::memcpy(&err, bytes.data() + NLMSG_HDRLEN, sizeof err);
                         result = -err.error;
                       }
                       return false;
                     });
    if (result) return *result;
  }
}

std::optional<std::vector<uint8_t>> RtNetlink::query(std::vector<uint8_t>& message,
                                                     uint16_t reply_type) {
  uint32_t seq = stamp(message);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_.get(), message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0) {
    return std::nullopt;
  }
  std::vector<uint8_t> reply(32768);
  for (;;) {
    ssize_t n = ::recv(fd_.get(), reply.data(), reply.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    std::optional<std::vector<uint8_t>> found;
    bool failed = false;
    for_each_message(std::span<const uint8_t>(reply.data(), static_cast<size_t>(n)),
                     [&](const nlmsghdr& header, std::span<const uint8_t> bytes) {
                       if (header.nlmsg_seq != seq) return true;
                       if (header.nlmsg_type == reply_type) {
                         found.emplace(bytes.begin(), bytes.end());
                       } else if (header.nlmsg_type == NLMSG_ERROR) {
                         failed = true;
                       }
                       return false;
                     });
    if (found) return found;
    if (failed) return std::nullopt;
  }
}

void RtNetlink::set_link_up(int ifindex, std::optional<uint32_t> mtu,
                            std::optional<uint32_t> txqueuelen) {
  MessageBuilder builder(RTM_NEWLINK, NLM_F_ACK);
  ifinfomsg info{};
  info.ifi_family = AF_UNSPEC;
  info.ifi_index = ifindex;
  info.ifi_flags = IFF_UP;
  info.ifi_change = IFF_UP;
  builder.add_struct(info);
  if (mtu) builder.add_attribute(IFLA_MTU, as_bytes_of(*mtu));
  if (txqueuelen) builder.add_attribute(IFLA_TXQLEN, as_bytes_of(*txqueuelen));
  auto message = builder.finish();
  if (int err = transact(message); err != 0) {
    if (err == EINVAL && mtu) {
      throw SetupError("cannot set MTU " + std::to_string(*mtu) + " on the TUN device: " +
                       std::strerror(err));
    }
    throw_setup_error("bringing the TUN device up", err);
  }
}

void RtNetlink::disable_ipv6_autoconf(int ifindex) {
  MessageBuilder builder(RTM_NEWLINK, NLM_F_ACK);
  ifinfomsg info{};
  info.ifi_family = AF_UNSPEC;
  info.ifi_index = ifindex;
  builder.add_struct(info);
  // IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE = NONE } }, nested by hand.
  const uint8_t mode = IN6_ADDR_GEN_MODE_NONE;
  std::vector<uint8_t> inner(RTA_SPACE(sizeof mode), 0);
  rtattr gen{static_cast<uint16_t>(RTA_LENGTH(sizeof mode)), IFLA_INET6_ADDR_GEN_MODE};
  std::memcpy(inner.data(), &gen, sizeof gen);
  inner[RTA_LENGTH(0)] = mode;
  std::vector<uint8_t> family(RTA_LENGTH(0), 0);
  rtattr inet6{static_cast<uint16_t>(RTA_LENGTH(inner.size())), AF_INET6};
  std::memcpy(family.data(), &inet6, sizeof inet6);
  family.insert(family.end(), inner.begin(), inner.end());
  builder.add_attribute(IFLA_AF_SPEC, family);
  auto message = builder.finish();
  transact(message);  // refused without IPv6: nothing to disable then
}

void RtNetlink::add_peer_address(int ifindex, const IpAddress& local, const IpAddress& peer) {
  MessageBuilder builder(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE);
  ifaddrmsg info{};
  info.ifa_family = static_cast<uint8_t>(local.is_v4() ? AF_INET : AF_INET6);
  info.ifa_prefixlen = static_cast<uint8_t>(local.is_v4() ? 32 : 128);
  info.ifa_flags = IFA_F_NODAD;  // the peer is our own daemon: nothing to detect, no delay
  info.ifa_index = static_cast<uint32_t>(ifindex);
  builder.add_struct(info);
  builder.add_attribute(IFA_LOCAL, local.bytes());
  builder.add_attribute(IFA_ADDRESS, peer.bytes());
  auto message = builder.finish();
  if (int err = transact(message); err != 0) {
    throw_setup_error("adding " + local.to_string() + " peer " + peer.to_string() +
                          " to the TUN device",
                      err);
  }
}

std::optional<std::vector<uint8_t>> RtNetlink::get_link(int ifindex) {
  MessageBuilder builder(RTM_GETLINK, 0);
  ifinfomsg info{};
  info.ifi_family = AF_UNSPEC;
  info.ifi_index = ifindex;
  builder.add_struct(info);
  auto message = builder.finish();
  return query(message, RTM_NEWLINK);
}

std::optional<LinkStats> RtNetlink::link_stats(int ifindex) {
  auto reply = get_link(ifindex);
  if (!reply) return std::nullopt;
  // Attributes follow the header and the ifinfomsg.
  size_t offset = NLMSG_HDRLEN + align4(sizeof(ifinfomsg));
  while (offset + sizeof(rtattr) <= reply->size()) {
    rtattr attr;
    std::memcpy(&attr, reply->data() + offset, sizeof attr);
    if (attr.rta_len < sizeof attr || offset + attr.rta_len > reply->size()) return std::nullopt;
    if (attr.rta_type == IFLA_STATS64 && attr.rta_len >= RTA_LENGTH(sizeof(rtnl_link_stats64))) {
      rtnl_link_stats64 stats;
      std::memcpy(&stats, reply->data() + offset + RTA_LENGTH(0), sizeof stats);
      return LinkStats{stats.rx_packets, stats.tx_packets, stats.rx_dropped, stats.tx_dropped};
    }
    offset += align4(attr.rta_len);
  }
  return std::nullopt;
}

std::vector<std::vector<uint8_t>> RtNetlink::dump(std::vector<uint8_t>& message,
                                                   uint16_t reply_type) {
  std::vector<std::vector<uint8_t>> found;
  uint32_t seq = stamp(message);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd_.get(), message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0) {
    return found;
  }
  std::vector<uint8_t> reply(32768);
  for (;;) {
    ssize_t n = ::recv(fd_.get(), reply.data(), reply.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return found;
    }
    bool done = false;
    for_each_message(std::span<const uint8_t>(reply.data(), static_cast<size_t>(n)),
                     [&](const nlmsghdr& header, std::span<const uint8_t> bytes) {
                       if (header.nlmsg_seq != seq) return true;
                       if (header.nlmsg_type == NLMSG_DONE || header.nlmsg_type == NLMSG_ERROR) {
                         done = true;
                         return false;
                       }
                       if (header.nlmsg_type == reply_type) found.emplace_back(bytes.begin(), bytes.end());
                       return true;
                     });
    if (done || n == 0) return found;
  }
}

std::optional<Route> RtNetlink::route_to(const IpAddress& destination) {
  MessageBuilder builder(RTM_GETROUTE, 0);
  rtmsg info{};
  info.rtm_family = static_cast<uint8_t>(destination.is_v4() ? AF_INET : AF_INET6);
  info.rtm_dst_len = static_cast<uint8_t>(destination.is_v4() ? 32 : 128);
  builder.add_struct(info);
  builder.add_attribute(RTA_DST, destination.bytes());
  auto message = builder.finish();
  auto reply = query(message, RTM_NEWROUTE);
  if (!reply) return std::nullopt;
  auto route = parse_route(*reply);
  if (route) route->destination = destination;
  return route;
}

std::vector<Route> RtNetlink::routes(uint32_t table, bool ipv6) {
  MessageBuilder builder(RTM_GETROUTE, NLM_F_DUMP);
  rtmsg info{};
  info.rtm_family = static_cast<uint8_t>(ipv6 ? AF_INET6 : AF_INET);
  builder.add_struct(info);
  auto message = builder.finish();
  std::vector<Route> result;
  for (const auto& bytes : dump(message, RTM_NEWROUTE)) {
    auto route = parse_route(bytes);
    if (route && route->table == table && route->type == RTN_UNICAST) result.push_back(*route);
  }
  return result;
}

std::optional<LinkInfo> RtNetlink::link_info(int ifindex) {
  auto reply = get_link(ifindex);
  if (!reply || reply->size() < NLMSG_HDRLEN + sizeof(ifinfomsg)) return std::nullopt;
  ifinfomsg header;
  std::memcpy(&header, reply->data() + NLMSG_HDRLEN, sizeof header);
  LinkInfo link;
  link.type = header.ifi_type;
  auto text = [](std::span<const uint8_t> payload) {
    std::string value(payload.begin(), payload.end());
    if (auto nul = value.find('\0'); nul != std::string::npos) value.resize(nul);
    return value;
  };
  bool ok = for_each_attribute(*reply, NLMSG_HDRLEN + align4(sizeof(ifinfomsg)),
                               [&](uint16_t type, std::span<const uint8_t> payload) {
    if (type == IFLA_IFNAME) link.name = text(payload);
    if ((type & NLA_TYPE_MASK) == IFLA_LINKINFO) {
      for_each_attribute(payload, 0, [&](uint16_t inner, std::span<const uint8_t> value) {
        if (inner == IFLA_INFO_KIND) link.kind = text(value);
      });
    }
  });
  if (!ok) return std::nullopt;
  return link;
}

int RtNetlink::add_host_route(const IpAddress& destination, const std::optional<IpAddress>& gateway,
                              int oif, uint32_t table) {
  auto message = host_route_message(RTM_NEWROUTE, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
                                     destination, gateway, oif, table);
  return transact(message);
}

int RtNetlink::delete_host_route(const IpAddress& destination,
                                 const std::optional<IpAddress>& gateway, int oif, uint32_t table) {
  auto message = host_route_message(RTM_DELROUTE, NLM_F_ACK, destination, gateway, oif, table);
  return transact(message);
}

}  // namespace phantasm::linux_host
