#include "apps/daemons/route_guard.h"

#include <gtest/gtest.h>

#include <vector>

namespace phantasm::daemons {
namespace {

using linux_host::LinkInfo;
using linux_host::Route;

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

TEST(RouteGuard, TunnelLinks) {
  EXPECT_TRUE(is_tunnel_link(LinkInfo{"wg0", "wireguard", 65534}));
  EXPECT_TRUE(is_tunnel_link(LinkInfo{"vpn", "tun", 65534}));
  EXPECT_TRUE(is_tunnel_link(LinkInfo{"x", "", 65534}));          // ARPHRD_NONE
  EXPECT_TRUE(is_tunnel_link(LinkInfo{"wg-office", "dummy", 1})); // by name
  EXPECT_TRUE(is_tunnel_link(LinkInfo{"gre1", "gre", 778}));
  EXPECT_FALSE(is_tunnel_link(LinkInfo{"eth0", "", 1}));
  EXPECT_FALSE(is_tunnel_link(LinkInfo{"veth-a", "veth", 1}));
  EXPECT_FALSE(is_tunnel_link(LinkInfo{"br0", "bridge", 1}));
}

TEST(RouteGuard, UplinkIsTheLongestPrefixOutsideTunnels) {
  // eth0 = 2, wg0 = 5: wg-quick's 0.0.0.0/1 + 128.0.0.0/1 and a default via eth0.
  std::vector<Route> routes = {
      Route{ip("0.0.0.0"), 0, 2, ip("192.0.2.1"), 254, 100},
      Route{ip("0.0.0.0"), 0, 3, ip("198.51.100.1"), 254, 50},  // eth1, lower metric
      Route{ip("0.0.0.0"), 1, 5, std::nullopt, 254, 0},
      Route{ip("128.0.0.0"), 1, 5, std::nullopt, 254, 0},
      Route{ip("192.0.2.0"), 24, 2, std::nullopt, 254, 0},
  };
  auto is_tunnel = [](int oif) { return oif == 5; };
  auto far = uplink_route(routes, ip("203.0.113.9"), is_tunnel);
  ASSERT_TRUE(far);
  EXPECT_EQ(far->oif, 3);  // the default with the lower metric
  EXPECT_EQ(far->gateway, ip("198.51.100.1"));
  auto near = uplink_route(routes, ip("192.0.2.77"), is_tunnel);
  ASSERT_TRUE(near);
  EXPECT_EQ(near->oif, 2);
  EXPECT_FALSE(near->gateway);  // on-link
  EXPECT_FALSE(uplink_route(routes, ip("2001:db8::1"), is_tunnel));  // another family
  EXPECT_FALSE(uplink_route(routes, ip("203.0.113.9"), [](int) { return true; }));
}

TEST(RouteGuard, PrefixBitsAreHonoured) {
  std::vector<Route> routes = {Route{ip("10.96.0.0"), 11, 2, std::nullopt, 254, 0}};
  auto never = [](int) { return false; };
  EXPECT_TRUE(uplink_route(routes, ip("10.127.255.1"), never));
  EXPECT_FALSE(uplink_route(routes, ip("10.128.0.1"), never));
  std::vector<Route> v6 = {Route{ip("2001:db8::"), 33, 2, ip("fe80::1"), 254, 0}};
  EXPECT_TRUE(uplink_route(v6, ip("2001:db8:7fff::1"), never));
  EXPECT_FALSE(uplink_route(v6, ip("2001:db8:8000::1"), never));
}

}  // namespace
}  // namespace phantasm::daemons
