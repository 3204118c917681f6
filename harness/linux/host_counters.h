// What the Linux host counts around the engine: its own I/O and the kernel's drop counters.
// Together with the engine's counters they account for every datagram (issue: nothing lost
// silently): a datagram is delivered, or a named engine drop, or one of these.
#pragma once

#include <cstdint>

namespace phantasm::linux_host {

struct HostCounters {
  uint64_t tun_packets_read = 0;
  uint64_t tun_packets_written = 0;
  uint64_t tun_read_errors = 0;
  uint64_t tun_write_errors = 0;        // packets the TUN refused (counted, not retried)
  uint64_t udp_datagrams_received = 0;  // handed to the engine
  uint64_t udp_datagrams_sent = 0;
  uint64_t udp_truncated = 0;           // MSG_TRUNC: larger than the tunnel carries; dropped
  uint64_t udp_kernel_drops = 0;        // SO_RXQ_OVFL: the socket buffer was full
  uint64_t udp_send_full = 0;           // EAGAIN/ENOBUFS on send: dropped
  uint64_t udp_send_errors = 0;         // other send errors (ECONNREFUSED...): dropped
  uint64_t udp_receive_errors = 0;
  uint64_t deliveries_without_socket = 0;  // server: the flow's socket could not be opened
  uint64_t socket_open_failures = 0;
  uint64_t emfile = 0;                  // of those, for want of file descriptors
  uint64_t handoffs = 0;                // TUN packets passed to the worker owning their flow
  uint64_t handoffs_dropped = 0;        // ... refused: that worker had too many queued

  HostCounters& operator+=(const HostCounters& o) {
    tun_packets_read += o.tun_packets_read;
    tun_packets_written += o.tun_packets_written;
    tun_read_errors += o.tun_read_errors;
    tun_write_errors += o.tun_write_errors;
    udp_datagrams_received += o.udp_datagrams_received;
    udp_datagrams_sent += o.udp_datagrams_sent;
    udp_truncated += o.udp_truncated;
    udp_kernel_drops += o.udp_kernel_drops;
    udp_send_full += o.udp_send_full;
    udp_send_errors += o.udp_send_errors;
    udp_receive_errors += o.udp_receive_errors;
    deliveries_without_socket += o.deliveries_without_socket;
    socket_open_failures += o.socket_open_failures;
    emfile += o.emfile;
    handoffs += o.handoffs;
    handoffs_dropped += o.handoffs_dropped;
    return *this;
  }
};

// Turns a socket's cumulative SO_RXQ_OVFL value into increments (it is a wrapping uint32).
class KernelDropTracker {
 public:
  uint64_t update(uint32_t cumulative) {
    uint32_t delta = cumulative - last_;
    last_ = cumulative;
    return delta;
  }

 private:
  uint32_t last_ = 0;
};

}  // namespace phantasm::linux_host
