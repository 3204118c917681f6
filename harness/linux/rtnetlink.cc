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

std::optional<LinkStats> RtNetlink::link_stats(int ifindex) {
  MessageBuilder builder(RTM_GETLINK, 0);
  ifinfomsg info{};
  info.ifi_family = AF_UNSPEC;
  info.ifi_index = ifindex;
  builder.add_struct(info);
  auto message = builder.finish();
  auto reply = query(message, RTM_NEWLINK);
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

}  // namespace phantasm::linux_host
