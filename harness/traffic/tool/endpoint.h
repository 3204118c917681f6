// IPv4/IPv6 socket addresses as udpgen's options spell them: HOST:PORT, [IPV6]:PORT, or :PORT
// (all addresses; for --listen this is the dual-stack [::]).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace phantasm::traffic {

struct Endpoint {
  sockaddr_storage storage{};
  socklen_t length = 0;

  static Endpoint from_sockaddr(const sockaddr* address, socklen_t length);

  int family() const { return storage.ss_family; }
  uint16_t port() const;
  void set_port(uint16_t port);
  const sockaddr* address() const { return reinterpret_cast<const sockaddr*>(&storage); }
  std::string to_string() const;  // 192.0.2.1:9000, [2001:db8::1]:9000
};

struct HostPort {
  std::string host;  // empty: all addresses
  uint16_t port = 0;
};

// Splits `text`; throws UsageError mentioning `option` ("--target") when it is not HOST:PORT.
HostPort split_host_port(std::string_view text, std::string_view option);

// Resolves to the first address getaddrinfo offers (numeric addresses need no DNS). `passive`
// resolves an empty host to the wildcard. Throws RuntimeError when the name does not resolve.
Endpoint resolve(const HostPort& host_port, bool passive);

}  // namespace phantasm::traffic
