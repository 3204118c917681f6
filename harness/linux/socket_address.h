// Conversions between the engine's SocketAddress and the sockets API, and name resolution.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <optional>
#include <string_view>

#include "engine/wire/ip_address.h"

namespace phantasm::linux_host {

struct RawSockaddr {
  sockaddr_storage storage{};
  socklen_t length = 0;

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }
};

RawSockaddr to_sockaddr(const SocketAddress& address);
// Nothing for families other than AF_INET/AF_INET6 or a short length.
std::optional<SocketAddress> from_sockaddr(const sockaddr_storage& storage, socklen_t length);

int address_family(const IpAddress& ip);

// Resolves "host:port" or "[v6]:port" once, as Phantun does (first result; the first IPv4 one
// with `ipv4_only`). Throws SetupError with a one-line reason.
SocketAddress resolve(std::string_view host_port, bool ipv4_only);

}  // namespace phantasm::linux_host
