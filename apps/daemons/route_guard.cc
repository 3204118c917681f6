#include "apps/daemons/route_guard.h"

#include <linux/if_arp.h>
#include <linux/rtnetlink.h>

#include <spdlog/spdlog.h>

#include <array>
#include <cstring>
#include <string_view>

namespace phantasm::daemons {
namespace {

using linux_host::LinkInfo;
using linux_host::Route;

bool prefix_contains(const Route& route, const IpAddress& address) {
  if (route.destination.version() != address.version()) return false;
  const auto net = route.destination.bytes();
  const auto bytes = address.bytes();
  const unsigned bits = route.prefix_length;
  if (bits > net.size() * 8) return false;
  const unsigned whole = bits / 8;
  if (std::memcmp(net.data(), bytes.data(), whole) != 0) return false;
  if (bits % 8 == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - bits % 8));
  return (net[whole] & mask) == (bytes[whole] & mask);
}

std::string route_text(const Route& route, const std::string& device) {
  std::string text = route.destination.to_string() + (route.destination.is_v4() ? "/32" : "/128");
  if (route.gateway) text += " via " + route.gateway->to_string();
  return text + " dev " + device;
}

}  // namespace

bool is_tunnel_link(const LinkInfo& link) {
  static constexpr std::array<std::string_view, 12> kKinds = {
      "tun", "wireguard", "gre", "gretap", "ip6gre", "ipip", "ip6tnl", "sit", "vti", "vti6",
      "xfrm", "ovpn"};
  for (std::string_view kind : kKinds) {
    if (link.kind == kind) return true;
  }
  if (link.type == ARPHRD_NONE) return true;
  std::string_view name = link.name;
  return name.starts_with("wg") || name.starts_with("tun");
}

std::optional<Route> uplink_route(std::span<const Route> routes, const IpAddress& destination,
                                  const std::function<bool(int)>& is_tunnel) {
  std::optional<Route> best;
  for (const Route& route : routes) {
    if (route.oif == 0 || !prefix_contains(route, destination) || is_tunnel(route.oif)) continue;
    if (!best || route.prefix_length > best->prefix_length ||
        (route.prefix_length == best->prefix_length && route.priority < best->priority)) {
      best = route;
    }
  }
  return best;
}

RouteGuard::RouteGuard(linux_host::RtNetlink& netlink, int own_tun, bool pin)
    : netlink_(netlink), own_tun_(own_tun), pin_(pin) {}

RouteGuard::~RouteGuard() { unpin(); }

std::string RouteGuard::link_name(int ifindex) {
  auto link = netlink_.link_info(ifindex);
  return link ? link->name : "#" + std::to_string(ifindex);
}

bool RouteGuard::tunnel(int ifindex) {
  if (ifindex == own_tun_) return true;
  auto link = netlink_.link_info(ifindex);
  return link && is_tunnel_link(*link);
}

void RouteGuard::unpin() {
  if (!pinned_) return;
  const Pinned p = *pinned_;
  pinned_.reset();
  Route shown{p.destination, 0, p.oif, p.gateway};
  if (int err = netlink_.delete_host_route(p.destination, p.gateway, p.oif, RT_TABLE_MAIN);
      err != 0 && err != ESRCH) {
    spdlog::warn("--pin-route: cannot remove the route {}: {}", route_text(shown, link_name(p.oif)),
                 std::strerror(err));
    return;
  }
  spdlog::info("--pin-route: removed the route {}", route_text(shown, link_name(p.oif)));
}

void RouteGuard::check(const IpAddress& remote) {
  if (pinned_ && !(pinned_->destination == remote)) unpin();
  if (pinned_) return;  // ours, already there
  auto route = netlink_.route_to(remote);
  if (!route || route->oif == 0) return;  // no route: the handshake warnings will say so
  auto link = netlink_.link_info(route->oif);
  if (route->oif != own_tun_ && !(link && is_tunnel_link(*link))) return;
  const std::string device = link ? link->name : "#" + std::to_string(route->oif);
  const std::string what = route->oif == own_tun_ ? "this daemon's own TUN"
                           : link && !link->kind.empty() ? "a " + link->kind + " link"
                                                         : "a tunnel link";
  auto table = netlink_.routes(RT_TABLE_MAIN, remote.is_v6());
  auto uplink = uplink_route(table, remote, [this](int oif) { return tunnel(oif); });
  std::string fix;
  if (uplink) {
    Route host = *uplink;
    host.destination = remote;
    fix = "add a route to the server via the real uplink (ip route add " +
          route_text(host, link_name(uplink->oif)) + ", or --pin-route to let " +
          "the client add it)";
  } else {
    fix = "add a route to the server via the real uplink (ip route add " + remote.to_string() +
          (remote.is_v4() ? "/32" : "/128") + " via GATEWAY dev UPLINK)";
  }
  if (!pin_ || !uplink) {
    spdlog::warn("Routing loop: the route to the remote {} goes through {} ({}), so the fake TCP "
                 "would travel inside that tunnel (and loop if it runs over this one); {}, or "
                 "keep the VPN off the server's address (WireGuard: exclude it from AllowedIPs, "
                 "or wg-quick Table=off / FwMark with a policy rule)",
                 remote.to_string(), device, what, fix);
    if (pin_) {
      spdlog::warn("--pin-route: the main table has no route to {} outside tunnels; nothing "
                   "pinned", remote.to_string());
    }
    return;
  }
  const int err = netlink_.add_host_route(remote, uplink->gateway, uplink->oif, RT_TABLE_MAIN);
  Route host = *uplink;
  host.destination = remote;
  const std::string text = route_text(host, link_name(uplink->oif));
  if (err != 0) {
    spdlog::warn("Routing loop: the route to the remote {} goes through {} ({}); --pin-route "
                 "cannot add {}: {}",
                 remote.to_string(), device, what, text, std::strerror(err));
    return;
  }
  pinned_ = Pinned{remote, uplink->gateway, uplink->oif};
  auto now = netlink_.route_to(remote);
  spdlog::warn("Routing loop avoided: the route to the remote {} went through {} ({}); "
               "--pin-route added {} (removed at exit){}",
               remote.to_string(), device, what, text,
               now && now->oif == uplink->oif
                   ? std::string()
                   : "; the kernel still routes it elsewhere (policy rules?)");
}

}  // namespace phantasm::daemons
