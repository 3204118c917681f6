// The TUN device and rtnetlink against the real kernel. Needs root: each test runs in a network
// namespace of its own (ctest runs every test as its own process), so nothing touches the host.
#include "harness/linux/tun_device.h"

#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <set>
#include <string>

#include "harness/linux/setup_error.h"
#include "harness/linux/socket_address.h"

namespace phantasm::linux_host {
namespace {

class TunDeviceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (creates TUN devices in a private netns)";
    ASSERT_EQ(unshare(CLONE_NEWNET), 0) << std::strerror(errno);
  }
};

std::set<std::string> addresses_of(const std::string& name) {
  std::set<std::string> found;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return found;
  for (ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr || name != a->ifa_name) continue;
    sockaddr_storage storage{};
    socklen_t length = a->ifa_addr->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    std::memcpy(&storage, a->ifa_addr, length);
    if (auto address = from_sockaddr(storage, length)) found.insert(address->ip.to_string());
  }
  freeifaddrs(list);
  return found;
}

int mtu_of(const std::string& name) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ifreq request{};
  std::strncpy(request.ifr_name, name.c_str(), IFNAMSIZ - 1);
  int rc = ioctl(fd, SIOCGIFMTU, &request);
  close(fd);
  return rc == 0 ? request.ifr_mtu : -1;
}

uint16_t checksum(const uint8_t* data, size_t size) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < size; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (size % 2) sum += static_cast<uint32_t>(data[size - 1] << 8);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

TEST_F(TunDeviceTest, KernelPicksTheNameAndQueuesAreSeparateFds) {
  TunOptions options;
  options.queues = 3;
  TunDevice tun = TunDevice::create(options);
  EXPECT_EQ(tun.name().rfind("tun", 0), 0u) << tun.name();
  EXPECT_GT(tun.ifindex(), 0);
  ASSERT_EQ(tun.queue_count(), 3u);
  EXPECT_NE(tun.queue_fd(0), tun.queue_fd(1));
  EXPECT_NE(tun.queue_fd(1), tun.queue_fd(2));
}

TEST_F(TunDeviceTest, ConfigureSetsAddressesMtuAndUp) {
  TunOptions options;
  options.name = "phxtest0";
  options.mtu = 1400;
  TunDevice tun = TunDevice::create(options);
  RtNetlink netlink;
  std::vector<TunAddressPair> pairs{{*IpAddress::parse("192.168.77.1"), *IpAddress::parse("192.168.77.2")},
                                    {*IpAddress::parse("fcc7::1"), *IpAddress::parse("fcc7::2")}};
  tun.configure(netlink, pairs, options);
  EXPECT_EQ(mtu_of("phxtest0"), 1400);
  auto found = addresses_of("phxtest0");
  EXPECT_TRUE(found.count("192.168.77.1")) << "IPv4 address missing";
  EXPECT_TRUE(found.count("fcc7::1")) << "IPv6 address missing";
  // No link-local: the kernel would only send its MLD packets to the daemon.
  for (const auto& a : found) EXPECT_NE(a.rfind("fe80", 0), 0u) << a;
  EXPECT_TRUE(netlink.link_stats(tun.ifindex()).has_value());
}

TEST_F(TunDeviceTest, BusyNameIsAClearError) {
  TunOptions options;
  options.name = "phxbusy";
  TunDevice first = TunDevice::create(options);
  try {
    TunDevice::create(options);
    FAIL() << "a second device took a busy name";
  } catch (const SetupError& e) {
    EXPECT_NE(std::string(e.what()).find("busy"), std::string::npos) << e.what();
  }
  options.name = std::string(IFNAMSIZ, 'x');
  EXPECT_THROW(TunDevice::create(options), SetupError);
}

TEST_F(TunDeviceTest, ClosingRemovesTheDevice) {
  TunOptions options;
  options.name = "phxgone";
  options.queues = 2;
  TunDevice tun = TunDevice::create(options);
  EXPECT_NE(if_nametoindex("phxgone"), 0u);
  tun.close();
  EXPECT_EQ(if_nametoindex("phxgone"), 0u);
}

// An ICMP echo request written as the peer comes back as the kernel's echo reply.
TEST_F(TunDeviceTest, WritesAndReadsPackets) {
  TunOptions options;
  options.name = "phxio";
  TunDevice tun = TunDevice::create(options);
  RtNetlink netlink;
  std::vector<TunAddressPair> pairs{{*IpAddress::parse("192.168.77.1"), *IpAddress::parse("192.168.77.2")}};
  tun.configure(netlink, pairs, options);

  uint8_t packet[28] = {0x45, 0, 0, 28, 0, 1, 0x40, 0, 64, 1, 0, 0,  // IPv4, ICMP
                        192, 168, 77, 2, 192, 168, 77, 1,
                        8, 0, 0, 0, 0x12, 0x34, 0, 1};  // echo request id 0x1234 seq 1
  uint16_t ip_sum = checksum(packet, 20);
  packet[10] = static_cast<uint8_t>(ip_sum >> 8);
  packet[11] = static_cast<uint8_t>(ip_sum);
  uint16_t icmp_sum = checksum(packet + 20, 8);
  packet[22] = static_cast<uint8_t>(icmp_sum >> 8);
  packet[23] = static_cast<uint8_t>(icmp_sum);
  ASSERT_EQ(tun_write(tun.queue_fd(0), packet), 0);

  uint8_t reply[2048];
  ssize_t n = 0;
  for (int attempt = 0; attempt < 100 && n == 0; ++attempt) {
    pollfd p{tun.queue_fd(0), POLLIN, 0};
    poll(&p, 1, 20);
    n = tun_read(tun.queue_fd(0), reply);
    if (n > 0 && reply[9] != 1) n = 0;  // not ICMP (nothing else should come, but be sure)
  }
  ASSERT_EQ(n, 28);
  EXPECT_EQ(reply[20], 0);  // echo reply
  EXPECT_EQ(std::memcmp(reply + 12, packet + 16, 4), 0);  // back to the peer
  EXPECT_EQ(tun_read(tun.queue_fd(0), reply), 0);  // non-blocking: nothing more
}

}  // namespace
}  // namespace phantasm::linux_host
