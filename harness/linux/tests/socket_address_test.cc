#include "harness/linux/socket_address.h"

#include <gtest/gtest.h>

#include "harness/linux/setup_error.h"

namespace phantasm::linux_host {
namespace {

TEST(SocketAddress, RoundTripsThroughSockaddr) {
  for (const char* text : {"192.0.2.7:4567", "[2001:db8::5]:53", "[::ffff:10.0.0.1]:1"}) {
    auto address = SocketAddress::parse(text);
    ASSERT_TRUE(address) << text;
    RawSockaddr raw = to_sockaddr(*address);
    auto back = from_sockaddr(raw.storage, raw.length);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(*back, *address) << text;
  }
}

TEST(SocketAddress, RejectsShortOrForeignSockaddr) {
  RawSockaddr raw = to_sockaddr(*SocketAddress::parse("192.0.2.7:1"));
  EXPECT_FALSE(from_sockaddr(raw.storage, raw.length - 1));
  raw.storage.ss_family = AF_UNIX;
  EXPECT_FALSE(from_sockaddr(raw.storage, raw.length));
}

TEST(Resolve, NumericAndLocalhost) {
  EXPECT_EQ(resolve("127.0.0.1:80", false), *SocketAddress::parse("127.0.0.1:80"));
  EXPECT_EQ(resolve("[::1]:53", false), *SocketAddress::parse("[::1]:53"));
  SocketAddress local = resolve("localhost:9", true);
  EXPECT_TRUE(local.ip.is_v4());
  EXPECT_EQ(local.port, 9);
}

TEST(Resolve, BadFormsAreOneLineErrors) {
  for (const char* text : {"1.2.3.4", "[::1]", "host:0", "host:70000", "::1:53", ":80", "h:x"}) {
    EXPECT_THROW(resolve(text, false), SetupError) << text;
  }
  EXPECT_THROW(resolve("no-such-host.invalid:1", false), SetupError);
  EXPECT_THROW(resolve("[::1]:53", true), SetupError);  // -4 and only an IPv6 address
}

}  // namespace
}  // namespace phantasm::linux_host
