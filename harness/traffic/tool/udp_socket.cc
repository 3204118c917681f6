#include "harness/traffic/tool/udp_socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/traffic/tool/errors.h"

namespace phantasm::traffic {
namespace {

// Room for one SO_RXQ_OVFL message per datagram.
constexpr size_t kControlPerDatagram = CMSG_SPACE(sizeof(uint32_t));

}  // namespace

UdpSocket::UdpSocket(int family) {
  fd_ = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd_ < 0) throw_errno(family == AF_INET6 ? "socket(AF_INET6)" : "socket(AF_INET)", errno);
}

UdpSocket::UdpSocket(UdpSocket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

UdpSocket& UdpSocket::operator=(UdpSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

void UdpSocket::bind(const Endpoint& local) {
  if (::bind(fd_, local.address(), local.length) != 0) throw_errno("bind " + local.to_string(), errno);
}

void UdpSocket::connect(const Endpoint& remote) {
  if (::connect(fd_, remote.address(), remote.length) != 0) {
    throw_errno("connect " + remote.to_string(), errno);
  }
}

Endpoint UdpSocket::local_endpoint() const {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
    throw_errno("getsockname", errno);
  }
  return Endpoint::from_sockaddr(reinterpret_cast<sockaddr*>(&storage), length);
}

BufferSizes UdpSocket::raise_buffers(int bytes) {
  auto raise = [&](int forced, int capped) {
    if (::setsockopt(fd_, SOL_SOCKET, forced, &bytes, sizeof bytes) != 0) {
      ::setsockopt(fd_, SOL_SOCKET, capped, &bytes, sizeof bytes);  // best effort, capped
    }
    int granted = 0;
    socklen_t length = sizeof granted;
    ::getsockopt(fd_, SOL_SOCKET, capped, &granted, &length);
    return granted;
  };
  return {raise(SO_RCVBUFFORCE, SO_RCVBUF), raise(SO_SNDBUFFORCE, SO_SNDBUF)};
}

void UdpSocket::enable_drop_counter() {
  const int on = 1;
  if (::setsockopt(fd_, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on) != 0) {
    throw_errno("setsockopt(SO_RXQ_OVFL)", errno);
  }
}

DatagramBatch::DatagramBatch(size_t capacity, size_t datagram_capacity)
    : storage_(capacity * datagram_capacity),
      datagram_capacity_(datagram_capacity),
      headers_(capacity),
      iovecs_(capacity),
      names_(capacity),
      sources_(capacity),
      control_(capacity * kControlPerDatagram) {}

std::span<uint8_t> DatagramBatch::buffer(size_t i) {
  return {storage_.data() + i * datagram_capacity_, datagram_capacity_};
}

std::span<const uint8_t> DatagramBatch::datagram(size_t i) const {
  return {storage_.data() + i * datagram_capacity_, std::min<size_t>(headers_[i].msg_len, datagram_capacity_)};
}

bool DatagramBatch::truncated(size_t i) const { return (headers_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0; }

size_t DatagramBatch::receive(int fd) {
  for (size_t i = 0; i < headers_.size(); ++i) {
    iovecs_[i] = {storage_.data() + i * datagram_capacity_, datagram_capacity_};
    msghdr& h = headers_[i].msg_hdr;
    h = {};
    h.msg_name = &names_[i];
    h.msg_namelen = sizeof names_[i];
    h.msg_iov = &iovecs_[i];
    h.msg_iovlen = 1;
    h.msg_control = control_.data() + i * kControlPerDatagram;
    h.msg_controllen = kControlPerDatagram;
    headers_[i].msg_len = 0;
  }
  const int n = ::recvmmsg(fd, headers_.data(), static_cast<unsigned>(headers_.size()), MSG_DONTWAIT, nullptr);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return 0;
    // A connected socket reports an earlier datagram's ICMP error here too; it is not fatal.
    if (errno == ECONNREFUSED) {
      ++refused_;
      return 0;
    }
    throw_errno("recvmmsg", errno);
  }
  kernel_drops_ = 0;
  for (int i = 0; i < n; ++i) {
    msghdr& h = headers_[static_cast<size_t>(i)].msg_hdr;
    sources_[static_cast<size_t>(i)] =
        Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&names_[static_cast<size_t>(i)]), h.msg_namelen);
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
        uint32_t drops = 0;
        std::memcpy(&drops, CMSG_DATA(c), sizeof drops);
        kernel_drops_ = std::max(kernel_drops_, drops);
      }
    }
  }
  return static_cast<size_t>(n);
}

size_t DatagramBatch::echo(int fd, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    iovecs_[i].iov_len = headers_[i].msg_len;
    msghdr& h = headers_[i].msg_hdr;
    h.msg_control = nullptr;
    h.msg_controllen = 0;
    h.msg_flags = 0;
  }
  size_t done = 0, sent = 0;
  while (done < count) {
    const int n = ::sendmmsg(fd, headers_.data() + done, static_cast<unsigned>(count - done), MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      ++done;  // one unsendable datagram (full buffer, unreachable peer) must not stop the rest
      continue;
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
    sent += static_cast<size_t>(n);
  }
  return sent;
}

size_t DatagramBatch::send_connected(int fd, std::span<const uint32_t> sizes) {
  for (size_t i = 0; i < sizes.size(); ++i) {
    iovecs_[i] = {storage_.data() + i * datagram_capacity_, sizes[i]};
    headers_[i].msg_hdr = {};
    headers_[i].msg_hdr.msg_iov = &iovecs_[i];
    headers_[i].msg_hdr.msg_iovlen = 1;
  }
  for (;;) {
    const int n = ::sendmmsg(fd, headers_.data(), static_cast<unsigned>(sizes.size()), MSG_DONTWAIT);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return 0;
    if (errno == ECONNREFUSED) {
      ++refused_;
      return 0;
    }
    throw_errno("sendmmsg", errno);
  }
}

}  // namespace phantasm::traffic
