#include "harness/traffic/tool/endpoint.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

#include "harness/traffic/tool/errors.h"

namespace phantasm::traffic {
namespace {

TEST(SplitHostPort, AcceptsNamesIpv4BracketedIpv6AndWildcard) {
  EXPECT_EQ(split_host_port("example.org:53", "--target").host, "example.org");
  EXPECT_EQ(split_host_port("192.0.2.1:9000", "--target").port, 9000);
  const HostPort v6 = split_host_port("[2001:db8::1]:443", "--target");
  EXPECT_EQ(v6.host, "2001:db8::1");
  EXPECT_EQ(v6.port, 443);
  const HostPort any = split_host_port(":9000", "--listen");
  EXPECT_EQ(any.host, "");
  EXPECT_EQ(any.port, 9000);
}

TEST(SplitHostPort, RejectsWithTheOptionsName) {
  for (const char* text : {"localhost", "::1:9000", "[::1]9000", "[::1]", "host:", "host:70000", "host:x"}) {
    try {
      split_host_port(text, "--target");
      ADD_FAILURE() << "accepted " << text;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("--target"), std::string::npos) << e.what();
    }
  }
}

TEST(Resolve, NumericAddressesOfBothFamilies) {
  const Endpoint v4 = resolve({"127.0.0.1", 9000}, false);
  EXPECT_EQ(v4.family(), AF_INET);
  EXPECT_EQ(v4.to_string(), "127.0.0.1:9000");
  const Endpoint v6 = resolve({"::1", 9001}, false);
  EXPECT_EQ(v6.family(), AF_INET6);
  EXPECT_EQ(v6.to_string(), "[::1]:9001");
  EXPECT_EQ(resolve({"", 7}, true).to_string(), "[::]:7");
  EXPECT_EQ(resolve({"::ffff:192.0.2.9", 80}, false).to_string(), "192.0.2.9:80") << "v4-mapped shown as IPv4";
}

TEST(Resolve, UnresolvableNameIsARuntimeError) {
  // .invalid is reserved (RFC 6761) and never resolves.
  EXPECT_THROW(resolve({"no-such-host.invalid", 9}, false), RuntimeError);
}

}  // namespace
}  // namespace phantasm::traffic
