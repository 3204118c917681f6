#include "harness/linux/udp_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>

#include "harness/linux/setup_error.h"

namespace phantasm::linux_host {
namespace {

int set_int_option(int fd, int level, int name, int value) {
  return ::setsockopt(fd, level, name, &value, sizeof value) == 0 ? 0 : errno;
}

// Applies the options every tunnel socket gets. Returns 0 or an errno.
int prepare(int fd, int family, const UdpSocketOptions& options) {
  // Larger buffers absorb the bursts a TUN read batch produces; the FORCE variants pass
  // net.core.rmem_max when we hold CAP_NET_ADMIN, which the daemon needs anyway.
  if (set_int_option(fd, SOL_SOCKET, SO_RCVBUFFORCE, options.buffer_bytes) != 0) {
    set_int_option(fd, SOL_SOCKET, SO_RCVBUF, options.buffer_bytes);
  }
  if (set_int_option(fd, SOL_SOCKET, SO_SNDBUFFORCE, options.buffer_bytes) != 0) {
    set_int_option(fd, SOL_SOCKET, SO_SNDBUF, options.buffer_bytes);
  }
  // The kernel's count of datagrams dropped because this socket's buffer was full arrives as a
  // control message with every datagram: nothing is lost without a number.
  if (int err = set_int_option(fd, SOL_SOCKET, SO_RXQ_OVFL, 1)) return err;
  if (options.reuse_port) {
    if (int err = set_int_option(fd, SOL_SOCKET, SO_REUSEPORT, 1)) return err;
  }
  if (family == AF_INET6) {
    // [::]:port also serves IPv4 peers (as ::ffff:a.b.c.d), as Phantun's listener does.
    set_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0);
  }
  if (options.packet_info) {
    int err = family == AF_INET ? set_int_option(fd, IPPROTO_IP, IP_PKTINFO, 1)
                                : set_int_option(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
    if (err != 0) return err;
  }
  return 0;
}

}  // namespace

UniqueFd bind_udp(const SocketAddress& local, const UdpSocketOptions& options) {
  int family = address_family(local.ip);
  UniqueFd fd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) throw_setup_error("UDP socket", errno);
  if (int err = prepare(fd.get(), family, options)) throw_setup_error("UDP socket options", err);
  RawSockaddr raw = to_sockaddr(local);
  if (::bind(fd.get(), raw.get(), raw.length) != 0) {
    int err = errno;
    if (err == EADDRINUSE) throw SetupError("UDP " + local.to_string() + " is already in use");
    if (err == EADDRNOTAVAIL) {
      throw SetupError("UDP " + local.to_string() + ": no such local address on this host");
    }
    throw_setup_error("binding UDP " + local.to_string(), err);
  }
  return fd;
}

UniqueFd connect_udp(const SocketAddress& remote, const UdpSocketOptions& options, int* error) {
  int family = address_family(remote.ip);
  UniqueFd fd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    *error = errno;
    return fd;
  }
  if (int err = prepare(fd.get(), family, options)) {
    *error = err;
    return UniqueFd();
  }
  RawSockaddr raw = to_sockaddr(remote);
  if (::connect(fd.get(), raw.get(), raw.length) != 0) {
    *error = errno;
    return UniqueFd();
  }
  *error = 0;
  return fd;
}

}  // namespace phantasm::linux_host
