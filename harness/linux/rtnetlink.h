// A minimal rtnetlink client: just what a TUN device needs (MTU, up, point-to-point addresses)
// and the link's kernel counters. Requests are synchronous and acknowledged; every reply from
// the kernel is length-checked before it is read.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/wire/ip_address.h"
#include "harness/linux/unique_fd.h"

namespace phantasm::linux_host {

struct LinkStats {
  uint64_t rx_packets = 0;
  uint64_t tx_packets = 0;
  uint64_t rx_dropped = 0;  // packets userspace wrote that the kernel could not take
  uint64_t tx_dropped = 0;  // packets for userspace dropped because the TUN queue was full
};

// What the kernel would use to reach an address (`ip route get`), or one route of a table dump.
struct Route {
  IpAddress destination;     // a dump's prefix; the looked-up address for route_to()
  uint8_t prefix_length = 0;
  int oif = 0;               // output interface, 0 when none (unreachable, blackhole...)
  std::optional<IpAddress> gateway;
  uint32_t table = 0;
  uint32_t priority = 0;     // metric
  uint8_t type = 0;          // RTN_UNICAST, RTN_LOCAL...
};

// A link as a routing-loop check sees it.
struct LinkInfo {
  std::string name;
  std::string kind;  // IFLA_INFO_KIND: "tun", "wireguard", "dummy"... empty for physical
  uint16_t type = 0; // ARPHRD_*: ARPHRD_NONE (65534) for TUN and WireGuard
};

class RtNetlink {
 public:
  // Opens a NETLINK_ROUTE socket; throws SetupError.
  RtNetlink();

  // Sets the MTU and transmit queue length (when given) and brings the link up. Throws
  // SetupError.
  void set_link_up(int ifindex, std::optional<uint32_t> mtu, std::optional<uint32_t> txqueuelen);
  // Stops the kernel from generating an IPv6 link-local address (addr_gen_mode none). Best
  // effort: a kernel without IPv6 refuses it, which is fine.
  void disable_ipv6_autoconf(int ifindex);
  // Adds `local` with point-to-point `peer` (/32 or /128, no DAD). Throws SetupError.
  void add_peer_address(int ifindex, const IpAddress& local, const IpAddress& peer);
  // Nothing when the link is gone or the reply is malformed.
  std::optional<LinkStats> link_stats(int ifindex);
  // The route the kernel picks for a packet this host sends to `destination` (RTM_GETROUTE,
  // as `ip route get`); nothing when there is none or the reply is malformed.
  std::optional<Route> route_to(const IpAddress& destination);
  // The unicast routes of one table (254: main) and family.
  std::vector<Route> routes(uint32_t table, bool ipv6);
  // Name, kind and type of a link; nothing when it is gone.
  std::optional<LinkInfo> link_info(int ifindex);
  // Adds (NLM_F_EXCL) a host route to `destination` via `gateway` (may be empty: on-link)
  // out of `oif` in `table`. Returns 0 or an errno (EEXIST when one is there).
  int add_host_route(const IpAddress& destination, const std::optional<IpAddress>& gateway,
                     int oif, uint32_t table);
  // Deletes that route again. Returns 0 or an errno.
  int delete_host_route(const IpAddress& destination, const std::optional<IpAddress>& gateway,
                        int oif, uint32_t table);

 private:
  // Sends one request and waits for the kernel's acknowledgement; returns 0 or an errno.
  int transact(std::vector<uint8_t>& message);
  // Sends one request and returns the first reply of type `reply_type`.
  std::optional<std::vector<uint8_t>> query(std::vector<uint8_t>& message, uint16_t reply_type);
  // RTM_GETLINK for one link: its RTM_NEWLINK reply.
  std::optional<std::vector<uint8_t>> get_link(int ifindex);
  // Sends one NLM_F_DUMP request and returns every reply of type `reply_type` until NLMSG_DONE.
  std::vector<std::vector<uint8_t>> dump(std::vector<uint8_t>& message, uint16_t reply_type);
  uint32_t stamp(std::vector<uint8_t>& message);

  UniqueFd fd_;
  uint32_t next_seq_ = 1;
};

}  // namespace phantasm::linux_host
