// Routing-loop guard (phantun-wire.md §6): WireGuard with AllowedIPs=0.0.0.0/0 (or any VPN with
// a default route) captures the route to the tunnel server's own address, and the fake TCP then
// goes into the VPN it carries. The client asks the kernel which link routes to --remote (at
// start and after every re-resolution); when that is its own TUN or another tunnel-type link
// (TUN, WireGuard, ... by kind, type or name) it warns with the fix, and with --pin-route adds a
// host route to the remote via the uplink the main table has outside tunnels (removed at exit).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>

#include "harness/linux/rtnetlink.h"

namespace phantasm::daemons {

// A link that carries tunnel traffic: kind tun/wireguard/gre/ipip..., type ARPHRD_NONE (L3
// TUN and WireGuard), or a name that says so (wg*, tun*).
bool is_tunnel_link(const linux_host::LinkInfo& link);

// The route the main table would use for `destination` if tunnel links were not there: the
// longest matching prefix among `routes` whose link `is_tunnel(oif)` is false, lowest metric
// first among equals. Nothing when only tunnels (or nothing) reach it.
std::optional<linux_host::Route> uplink_route(std::span<const linux_host::Route> routes,
                                              const IpAddress& destination,
                                              const std::function<bool(int)>& is_tunnel);

class RouteGuard {
 public:
  // own_tun: the daemon's TUN (ifindex); pin: --pin-route.
  RouteGuard(linux_host::RtNetlink& netlink, int own_tun, bool pin);
  ~RouteGuard();
  RouteGuard(const RouteGuard&) = delete;
  RouteGuard& operator=(const RouteGuard&) = delete;

  // Checks the route to `remote`, logs, pins when asked (and moves a pin to a new address).
  void check(const IpAddress& remote);
  // Removes a route this guard added.
  void unpin();

 private:
  struct Pinned {
    IpAddress destination;
    std::optional<IpAddress> gateway;
    int oif = 0;
  };
  std::string link_name(int ifindex);
  bool tunnel(int ifindex);

  linux_host::RtNetlink& netlink_;
  int own_tun_;
  bool pin_;
  std::optional<Pinned> pinned_;
};

}  // namespace phantasm::daemons
