#include "harness/linux/tun_device.h"

#include <fcntl.h>
#include <net/if.h>  // before linux/if_tun.h, which would pull in the clashing linux/if.h
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/linux/setup_error.h"

namespace phantasm::linux_host {
namespace {

UniqueFd open_queue(const std::string& name) {
  UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) {
    int err = errno;
    if (err == ENOENT || err == ENODEV || err == ENXIO) {
      throw SetupError("/dev/net/tun is missing: load the tun module (modprobe tun), or in a "
                       "container pass the device in (--device /dev/net/tun)");
    }
    if (err == EACCES) {
      // Capabilities do not override file permissions: udev normally makes the node 0666.
      struct stat st {};
      std::string mode = ::stat("/dev/net/tun", &st) == 0
                             ? " (mode " + std::to_string((st.st_mode >> 6) & 7) +
                                   std::to_string((st.st_mode >> 3) & 7) +
                                   std::to_string(st.st_mode & 7) + ")"
                             : std::string();
      throw SetupError("opening /dev/net/tun: permission denied" + mode +
                       ": run as root, or make the device usable by this user (udev's default "
                       "is mode 0666) and grant CAP_NET_ADMIN");
    }
    throw_setup_error("opening /dev/net/tun", err);
  }
  ifreq request{};
  request.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE;
  std::memcpy(request.ifr_name, name.data(), name.size());  // length checked by the caller
  if (::ioctl(fd.get(), TUNSETIFF, &request) != 0) {
    int err = errno;
    std::string what = name.empty() ? std::string("creating a TUN device")
                                    : "creating TUN device '" + name + "'";
    if (err == EBUSY) throw SetupError(what + ": the name is in use by another device");
    if (err == EINVAL) {
      throw SetupError(what + ": invalid name, or a device of another kind holds it");
    }
    throw_setup_error(what, err);
  }
  return fd;
}

std::string name_of(const UniqueFd& fd) {
  ifreq request{};
  if (::ioctl(fd.get(), TUNGETIFF, &request) != 0) throw_setup_error("TUNGETIFF", errno);
  return std::string(request.ifr_name, strnlen(request.ifr_name, IFNAMSIZ));
}

}  // namespace

TunDevice TunDevice::create(const TunOptions& options) {
  if (options.name.size() >= IFNAMSIZ) {
    throw SetupError("TUN name '" + options.name + "' is longer than " +
                     std::to_string(IFNAMSIZ - 1) + " characters");
  }
  if (options.queues == 0) throw SetupError("a TUN device needs at least one queue");
  // A multi-queue TUN of the same name owned by another process would accept us as one more
  // queue, silently sharing its traffic: refuse any existing device of that name instead.
  if (!options.name.empty() && if_nametoindex(options.name.c_str()) != 0) {
    throw SetupError("TUN device name '" + options.name +
                     "' is busy: a network device of that name exists (another instance?)");
  }
  TunDevice device;
  device.queues_.push_back(open_queue(options.name));
  device.name_ = name_of(device.queues_.front());
  for (size_t i = 1; i < options.queues; ++i) device.queues_.push_back(open_queue(device.name_));
  device.ifindex_ = static_cast<int>(if_nametoindex(device.name_.c_str()));
  if (device.ifindex_ == 0) throw_setup_error("looking up TUN device " + device.name_, errno);
  return device;
}

void TunDevice::configure(RtNetlink& netlink, std::span<const TunAddressPair> addresses,
                          const TunOptions& options) {
  // No IPv6 link-local address: the daemon would only receive its MLD and router solicitations
  // as packets to drop. Before "up", which is when the kernel would generate it.
  netlink.disable_ipv6_autoconf(ifindex_);
  // Up before the addresses: IPv6 addresses cannot be added while the device is down on some
  // kernels.
  netlink.set_link_up(ifindex_, options.mtu, options.txqueuelen);
  for (const auto& pair : addresses) netlink.add_peer_address(ifindex_, pair.local, pair.peer);
}

ssize_t tun_read(int fd, std::span<uint8_t> buffer) {
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return 0;
    return -errno;
  }
}

int tun_write(int fd, std::span<const uint8_t> packet) {
  for (;;) {
    ssize_t n = ::write(fd, packet.data(), packet.size());
    if (n >= 0) return 0;
    if (errno == EINTR) continue;
    return errno;
  }
}

}  // namespace phantasm::linux_host
