#include "engine/wire/ip_address.h"

#include <gtest/gtest.h>

namespace phantasm {
namespace {

TEST(IpAddress, ParsesAndPrintsV4) {
  auto a = IpAddress::parse("192.168.200.2");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->is_v4());
  EXPECT_EQ(a->to_string(), "192.168.200.2");
  EXPECT_EQ(*a, IpAddress::v4(0xC0A8C802));
}

TEST(IpAddress, RejectsMalformedV4) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "01.2.3.4", "1.2.3.4 ", "a.b.c.d"}) {
    EXPECT_FALSE(IpAddress::parse(bad)) << bad;
  }
}

TEST(IpAddress, ParsesAndPrintsV6Canonically) {
  struct Case { const char* in; const char* out; };
  for (auto c : {Case{"fcc8::2", "fcc8::2"}, Case{"2001:DB8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
                 Case{"::", "::"}, Case{"::1", "::1"}, Case{"fe80::", "fe80::"},
                 Case{"::ffff:192.0.2.1", "::ffff:c000:201"}, Case{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
                 Case{"1:0:3:4:5:6:7:8", "1:0:3:4:5:6:7:8"}}) {
    auto a = IpAddress::parse(c.in);
    ASSERT_TRUE(a) << c.in;
    EXPECT_TRUE(a->is_v6());
    EXPECT_EQ(a->to_string(), c.out);
  }
}

TEST(IpAddress, RejectsMalformedV6) {
  for (const char* bad : {":", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "g::1", "1:2:3:4:5:6:7:", ":1:2::"}) {
    EXPECT_FALSE(IpAddress::parse(bad)) << bad;
  }
}

TEST(SocketAddress, ParsesBothFamilies) {
  auto a = SocketAddress::parse("10.0.0.1:4567");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->port, 4567);
  EXPECT_EQ(a->to_string(), "10.0.0.1:4567");
  auto b = SocketAddress::parse("[fcc9::2]:65535");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->to_string(), "[fcc9::2]:65535");
  for (const char* bad : {"10.0.0.1", "10.0.0.1:", "10.0.0.1:65536", "fcc9::2:80", "[fcc9::2]80", "[fcc9::2]:x"}) {
    EXPECT_FALSE(SocketAddress::parse(bad)) << bad;
  }
}

TEST(IpAddress, UnusableUnicast) {
  EXPECT_TRUE(IpAddress::parse("0.0.0.0")->is_unusable_unicast());
  EXPECT_TRUE(IpAddress::parse("224.0.0.1")->is_unusable_unicast());
  EXPECT_TRUE(IpAddress::parse("255.255.255.255")->is_unusable_unicast());
  EXPECT_TRUE(IpAddress::parse("ff02::1")->is_unusable_unicast());
  EXPECT_TRUE(IpAddress::parse("::")->is_unusable_unicast());
  EXPECT_FALSE(IpAddress::parse("10.0.0.1")->is_unusable_unicast());
  EXPECT_FALSE(IpAddress::parse("fcc8::1")->is_unusable_unicast());
}

}  // namespace
}  // namespace phantasm
