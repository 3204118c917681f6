// A non-blocking UDP socket with the few things udpgen needs from the kernel: large buffers,
// the receive-queue drop counter (SO_RXQ_OVFL), and batched I/O (recvmmsg / sendmmsg).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <span>
#include <vector>

#include "harness/traffic/tool/endpoint.h"

namespace phantasm::traffic {

struct BufferSizes {
  int receive = 0;  // what the kernel granted (it reports twice the requested size)
  int send = 0;
};

class UdpSocket {
 public:
  // Throws RuntimeError.
  explicit UdpSocket(int family);
  UdpSocket(UdpSocket&& other) noexcept;
  UdpSocket& operator=(UdpSocket&& other) noexcept;
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  ~UdpSocket();

  void bind(const Endpoint& local);       // throws RuntimeError naming the address
  void connect(const Endpoint& remote);   // throws RuntimeError naming the address
  Endpoint local_endpoint() const;

  // Asks for `bytes` in each direction: SO_*BUFFORCE first (root or CAP_NET_ADMIN can exceed
  // net.core.[rw]mem_max), then the capped SO_*BUF. Never fails; returns what was granted.
  BufferSizes raise_buffers(int bytes);

  // From now on every received datagram carries the socket's cumulative drop count.
  void enable_drop_counter();

  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// Buffers and headers for one recvmmsg/sendmmsg batch. Receiving fills them; echoing sends the
// same datagrams back to where they came from without copying.
class DatagramBatch {
 public:
  DatagramBatch(size_t capacity, size_t datagram_capacity);

  // One non-blocking recvmmsg. Returns the number received (0 when nothing is waiting);
  // throws RuntimeError on errors other than EAGAIN/EINTR/ECONNREFUSED. Sets kernel_drops().
  size_t receive(int fd);

  std::span<const uint8_t> datagram(size_t i) const;
  const Endpoint& source(size_t i) const { return sources_[i]; }
  bool truncated(size_t i) const;

  // Sends datagrams [0, count) back to their sources with one sendmmsg (non-blocking).
  // Returns how many the kernel took; datagrams it refuses (full buffer) are not retried.
  size_t echo(int fd, size_t count);

  // The receiving socket's cumulative SO_RXQ_OVFL count as the last receive() saw it (0 if not
  // reported). One batch may serve several sockets, so callers keep the maximum per socket.
  uint32_t kernel_drops() const { return kernel_drops_; }

  // Writable buffer i (for building datagrams to send) and sending [0, count) on a connected
  // socket with the given sizes. Returns how many were sent; EAGAIN/ENOBUFS give 0, and
  // ECONNREFUSED (an ICMP error from an earlier datagram) is counted and gives 0 too.
  std::span<uint8_t> buffer(size_t i);
  size_t send_connected(int fd, std::span<const uint32_t> sizes);
  uint64_t refused() const { return refused_; }

  size_t capacity() const { return headers_.size(); }

 private:
  std::vector<uint8_t> storage_;
  size_t datagram_capacity_;
  std::vector<mmsghdr> headers_;
  std::vector<iovec> iovecs_;
  std::vector<sockaddr_storage> names_;
  std::vector<Endpoint> sources_;
  std::vector<uint8_t> control_;
  uint32_t kernel_drops_ = 0;
  uint64_t refused_ = 0;
};

}  // namespace phantasm::traffic
