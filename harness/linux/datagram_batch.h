// Batched UDP I/O: recvmmsg into buffers whose payload starts at wire::kHeadroom (so the engine
// writes IP and TCP headers in front without copying), and sendmmsg of queued payloads.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "engine/endpoint/endpoint.h"
#include "harness/linux/socket_address.h"

namespace phantasm::linux_host {

// What one recvmmsg call saw besides the datagrams.
struct ReceiveOutcome {
  size_t received = 0;  // datagrams in the batch (truncated ones included, flagged)
  int error = 0;        // errno of a failed call; 0 for success or "nothing waiting"
  // SO_RXQ_OVFL: the socket's cumulative count of datagrams the kernel dropped for want of
  // buffer space, from the last datagram that carried it.
  std::optional<uint32_t> kernel_drops;
};

class ReceiveBatch {
 public:
  // `capacity` datagrams of up to `max_payload` bytes each; a larger one is flagged truncated.
  ReceiveBatch(size_t capacity, size_t max_payload);
  ReceiveBatch(const ReceiveBatch&) = delete;
  ReceiveBatch& operator=(const ReceiveBatch&) = delete;

  // Non-blocking recvmmsg on `fd`; received == 0 with error == 0 when nothing is waiting.
  ReceiveOutcome receive(int fd);

  size_t capacity() const { return capacity_; }
  // The i-th datagram of the last receive, with headroom in front of it.
  DatagramBuffer datagram(size_t i);
  bool truncated(size_t i) const;
  // The sender (unconnected sockets).
  std::optional<SocketAddress> source(size_t i) const;
  // The sender in sockets-API form, for replying without a conversion.
  RawSockaddr raw_source(size_t i) const;
  // The local address the datagram was sent to (IP_PKTINFO / IPV6_PKTINFO, when enabled on the
  // socket): a reply must leave from it, or a peer on a multi-address host drops it.
  std::optional<IpAddress> destination(size_t i) const { return destinations_[i]; }

 private:
  static constexpr size_t kControlBytes = 128;  // SO_RXQ_OVFL and IPV6_PKTINFO, with room

  size_t capacity_;
  size_t max_payload_;
  size_t stride_;
  std::unique_ptr<uint8_t[]> storage_;
  std::vector<mmsghdr> messages_;
  std::vector<iovec> iovecs_;
  std::vector<sockaddr_storage> sources_;
  std::vector<std::array<uint8_t, kControlBytes>> controls_;
  std::vector<std::optional<IpAddress>> destinations_;
};

// The result of flushing queued datagrams.
struct SendOutcome {
  uint64_t sent = 0;
  uint64_t dropped_full = 0;   // EAGAIN/ENOBUFS: the socket's buffer was full
  uint64_t dropped_error = 0;  // any other error (ECONNREFUSED from an ICMP, ...)
  int last_error = 0;
};

// Datagrams waiting for sendmmsg. Payload spans must stay valid until flush().
class SendQueue {
 public:
  explicit SendQueue(size_t capacity);

  bool full() const { return entries_.size() == capacity_; }
  bool empty() const { return entries_.empty(); }
  // `destination` nothing for a connected socket; `source` (IP_PKTINFO) nothing for the
  // kernel's choice. The socket's family is the destination's.
  void add(int fd, std::span<const uint8_t> payload, const RawSockaddr* destination,
           const IpAddress* source = nullptr);
  // Sends everything, one sendmmsg per run of entries for the same fd.
  SendOutcome flush();

 private:
  struct Entry {
    int fd;
    iovec iov;
    std::optional<RawSockaddr> destination;
    std::array<uint8_t, 64> control;  // IP_PKTINFO / IPV6_PKTINFO for the source address
    size_t control_length;
  };
  void send_run(size_t begin, size_t end, SendOutcome& outcome);

  size_t capacity_;
  std::vector<Entry> entries_;
  std::vector<mmsghdr> messages_;
};

}  // namespace phantasm::linux_host
