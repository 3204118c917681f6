// A Linux TUN device (layer 3, no packet-information prefix, multi-queue): one non-blocking fd
// per queue, addresses and MTU set through rtnetlink. The device is not persistent: it
// disappears when the last queue fd closes, i.e. when this object is destroyed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/wire/ip_address.h"
#include "harness/linux/rtnetlink.h"
#include "harness/linux/unique_fd.h"

namespace phantasm::linux_host {

struct TunOptions {
  std::string name;        // empty: the kernel picks (tun0, tun1...)
  size_t queues = 1;       // IFF_MULTI_QUEUE: one fd each
  std::optional<uint32_t> mtu;
  // Packets the kernel may queue for us before it drops (tx_dropped). The TUN default (500)
  // overflows when a burst of echoes lands while the worker is busy with the UDP side; 4096
  // matches the 4 MiB UDP socket buffers (about 2900 datagrams of 1400 bytes).
  uint32_t txqueuelen = 4096;
};

// An OS-side address and the point-to-point peer the daemon speaks as (Phantun's --tun-local /
// --tun-peer).
struct TunAddressPair {
  IpAddress local;
  IpAddress peer;
};

class TunDevice {
 public:
  // Creates the device and its queues. Throws SetupError with an operator-facing message.
  static TunDevice create(const TunOptions& options);

  TunDevice(TunDevice&&) = default;
  TunDevice& operator=(TunDevice&&) = default;

  // Adds the address pairs and brings the device up. Throws SetupError.
  void configure(RtNetlink& netlink, std::span<const TunAddressPair> addresses,
                 const TunOptions& options);

  const std::string& name() const { return name_; }
  int ifindex() const { return ifindex_; }
  size_t queue_count() const { return queues_.size(); }
  int queue_fd(size_t queue) const { return queues_.at(queue).get(); }

  // Closes every queue: the kernel removes the device.
  void close() { queues_.clear(); }

 private:
  TunDevice() = default;
  std::string name_;
  int ifindex_ = 0;
  std::vector<UniqueFd> queues_;
};

// Non-blocking I/O on one queue fd. Reads return the packet length, 0 when nothing is waiting,
// or -errno. Writes return 0 or an errno.
ssize_t tun_read(int fd, std::span<uint8_t> buffer);
int tun_write(int fd, std::span<const uint8_t> packet);

}  // namespace phantasm::linux_host
