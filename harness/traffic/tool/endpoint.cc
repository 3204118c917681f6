#include "harness/traffic/tool/endpoint.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>
#include <memory>

#include "harness/traffic/tool/errors.h"

namespace phantasm::traffic {

Endpoint Endpoint::from_sockaddr(const sockaddr* address, socklen_t length) {
  Endpoint e;
  e.length = std::min<socklen_t>(length, sizeof(e.storage));
  std::memcpy(&e.storage, address, e.length);
  return e;
}

uint16_t Endpoint::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  return 0;
}

void Endpoint::set_port(uint16_t port) {
  if (family() == AF_INET) reinterpret_cast<sockaddr_in*>(&storage)->sin_port = htons(port);
  if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = htons(port);
}

std::string Endpoint::to_string() const {
  char text[INET6_ADDRSTRLEN] = "?";
  if (family() == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr, text, sizeof text);
    return fmt::format("{}:{}", text, port());
  }
  if (family() == AF_INET6) {
    const in6_addr& address = reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr;
    // A dual-stack socket sees IPv4 peers as ::ffff:a.b.c.d; show them as the IPv4 they are.
    if (IN6_IS_ADDR_V4MAPPED(&address)) {
      inet_ntop(AF_INET, address.s6_addr + 12, text, sizeof text);
      return fmt::format("{}:{}", text, port());
    }
    inet_ntop(AF_INET6, &address, text, sizeof text);
    return fmt::format("[{}]:{}", text, port());
  }
  return "(no address)";
}

HostPort split_host_port(std::string_view text, std::string_view option) {
  auto bad = [&](std::string_view why) -> UsageError {
    return UsageError(fmt::format("invalid {} '{}': {} (expected HOST:PORT or [IPV6]:PORT)", option, text, why));
  };
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      throw bad("an IPv6 address in brackets must be followed by :PORT");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) throw bad("no port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) throw bad("write IPv6 addresses in brackets");
  }
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value > 65535) {
    throw bad("the port must be a number 0..65535");
  }
  return {std::string(host), static_cast<uint16_t>(value)};
}

Endpoint resolve(const HostPort& host_port, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_protocol = IPPROTO_UDP;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  // A passive wildcard prefers IPv6: Linux's [::] socket accepts IPv4 too (bindv6only=0).
  if (passive && host_port.host.empty()) hints.ai_family = AF_INET6;
  const std::string port = std::to_string(host_port.port);
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(host_port.host.empty() ? nullptr : host_port.host.c_str(), port.c_str(),
                             &hints, &found);
  if (rc != 0) {
    throw RuntimeError(fmt::format("cannot resolve '{}': {}", host_port.host, gai_strerror(rc)));
  }
  const std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(found, freeaddrinfo);
  return Endpoint::from_sockaddr(found->ai_addr, found->ai_addrlen);
}

}  // namespace phantasm::traffic
