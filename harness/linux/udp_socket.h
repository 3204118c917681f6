// Non-blocking UDP sockets for the daemons: open/bind/connect with the options the tunnel needs
// (large buffers, the kernel's drop counter), and nothing else. Setup calls throw SetupError;
// the per-flow open on the server's hot path reports errno instead, so EMFILE can be counted.
#pragma once

#include <optional>

#include "engine/wire/ip_address.h"
#include "harness/linux/socket_address.h"
#include "harness/linux/unique_fd.h"

namespace phantasm::linux_host {

struct UdpSocketOptions {
  int buffer_bytes = 4 << 20;  // SO_RCVBUF/SO_SNDBUF; FORCE variants first (CAP_NET_ADMIN)
  bool reuse_port = false;     // several workers share one --local port
  bool packet_info = false;    // report each datagram's local address (IP_PKTINFO)
};

// A socket of the family of `ip`, bound to `local` (port 0: any). Throws SetupError.
UniqueFd bind_udp(const SocketAddress& local, const UdpSocketOptions& options);

// A socket bound to the wildcard address of `remote`'s family and connected to `remote`.
// Returns an invalid fd and sets *error (EMFILE, ENFILE, ...) on failure.
UniqueFd connect_udp(const SocketAddress& remote, const UdpSocketOptions& options, int* error);

}  // namespace phantasm::linux_host
