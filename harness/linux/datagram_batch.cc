#include "harness/linux/datagram_batch.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <netinet/in.h>

#include "engine/wire/packet.h"

namespace phantasm::linux_host {
namespace {

constexpr size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

}  // namespace

ReceiveBatch::ReceiveBatch(size_t capacity, size_t max_payload)
    : capacity_(capacity),
      max_payload_(max_payload),
      // One byte more than the largest accepted payload, so that the kernel flags anything
      // larger with MSG_TRUNC instead of it passing as exactly-full.
      stride_(round_up(wire::kHeadroom + max_payload + 1, 64)),
      storage_(new uint8_t[stride_ * capacity]),
      messages_(capacity),
      iovecs_(capacity),
      sources_(capacity),
      controls_(capacity),
      destinations_(capacity) {}

ReceiveOutcome ReceiveBatch::receive(int fd) {
  for (size_t i = 0; i < capacity_; ++i) {
    iovecs_[i].iov_base = storage_.get() + i * stride_ + wire::kHeadroom;
    iovecs_[i].iov_len = max_payload_ + 1;
    msghdr& h = messages_[i].msg_hdr;
    h.msg_name = &sources_[i];
    h.msg_namelen = sizeof(sockaddr_storage);
    h.msg_iov = &iovecs_[i];
    h.msg_iovlen = 1;
    h.msg_control = controls_[i].data();
    h.msg_controllen = kControlBytes;
    h.msg_flags = 0;
    messages_[i].msg_len = 0;
  }
  ReceiveOutcome outcome;
  int n;
  do {
    n = ::recvmmsg(fd, messages_.data(), static_cast<unsigned>(capacity_), MSG_DONTWAIT, nullptr);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno != EAGAIN) outcome.error = errno;
    return outcome;
  }
  outcome.received = static_cast<size_t>(n);
  for (size_t i = 0; i < outcome.received; ++i) {
    msghdr& h = messages_[i].msg_hdr;
    destinations_[i].reset();
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL &&
          c->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
        uint32_t drops;
        std::memcpy(&drops, CMSG_DATA(c), sizeof drops);
        outcome.kernel_drops = drops;
      } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
                 c->cmsg_len >= CMSG_LEN(sizeof(in_pktinfo))) {
        in_pktinfo info;
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        destinations_[i] = IpAddress::from_bytes(
            IpVersion::kV4, {reinterpret_cast<const uint8_t*>(&info.ipi_addr), 4});
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
                 c->cmsg_len >= CMSG_LEN(sizeof(in6_pktinfo))) {
        in6_pktinfo info;
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        destinations_[i] = IpAddress::from_bytes(
            IpVersion::kV6, {reinterpret_cast<const uint8_t*>(&info.ipi6_addr), 16});
      }
    }
  }
  return outcome;
}

DatagramBuffer ReceiveBatch::datagram(size_t i) {
  DatagramBuffer buffer;
  buffer.storage = std::span<uint8_t>(storage_.get() + i * stride_, stride_);
  buffer.offset = wire::kHeadroom;
  buffer.length = std::min<size_t>(messages_[i].msg_len, max_payload_);
  return buffer;
}

bool ReceiveBatch::truncated(size_t i) const {
  return (messages_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0 || messages_[i].msg_len > max_payload_;
}

std::optional<SocketAddress> ReceiveBatch::source(size_t i) const {
  return from_sockaddr(sources_[i], messages_[i].msg_hdr.msg_namelen);
}

RawSockaddr ReceiveBatch::raw_source(size_t i) const {
  RawSockaddr raw;
  raw.storage = sources_[i];
  raw.length = messages_[i].msg_hdr.msg_namelen;
  return raw;
}

SendQueue::SendQueue(size_t capacity) : capacity_(capacity), messages_(capacity) {
  entries_.reserve(capacity);
}

void SendQueue::add(int fd, std::span<const uint8_t> payload, const RawSockaddr* destination,
                    const IpAddress* source) {
  Entry entry{fd, iovec{const_cast<uint8_t*>(payload.data()), payload.size()}, std::nullopt, {}, 0};
  if (destination != nullptr) entry.destination = *destination;
  if (source != nullptr && destination != nullptr) {
    // A control message asking for this source address; its type follows the socket's family.
    cmsghdr header{};
    if (destination->family() == AF_INET && source->is_v4()) {
      in_pktinfo info{};
      std::memcpy(&info.ipi_spec_dst, source->bytes().data(), 4);
      header.cmsg_level = IPPROTO_IP;
      header.cmsg_type = IP_PKTINFO;
      header.cmsg_len = CMSG_LEN(sizeof info);
      std::memcpy(entry.control.data(), &header, sizeof header);
      std::memcpy(entry.control.data() + CMSG_LEN(0), &info, sizeof info);
      entry.control_length = CMSG_SPACE(sizeof info);
    } else if (destination->family() == AF_INET6) {
      in6_pktinfo info{};
      if (source->is_v6()) {
        std::memcpy(&info.ipi6_addr, source->bytes().data(), 16);
      } else {  // a dual-stack socket answering an IPv4 peer: v4-mapped
        info.ipi6_addr.s6_addr[10] = 0xFF;
        info.ipi6_addr.s6_addr[11] = 0xFF;
        std::memcpy(&info.ipi6_addr.s6_addr[12], source->bytes().data(), 4);
      }
      header.cmsg_level = IPPROTO_IPV6;
      header.cmsg_type = IPV6_PKTINFO;
      header.cmsg_len = CMSG_LEN(sizeof info);
      std::memcpy(entry.control.data(), &header, sizeof header);
      std::memcpy(entry.control.data() + CMSG_LEN(0), &info, sizeof info);
      entry.control_length = CMSG_SPACE(sizeof info);
    }
  }
  entries_.push_back(entry);
}

SendOutcome SendQueue::flush() {
  SendOutcome outcome;
  size_t begin = 0;
  while (begin < entries_.size()) {
    size_t end = begin + 1;
    while (end < entries_.size() && entries_[end].fd == entries_[begin].fd) ++end;
    send_run(begin, end, outcome);
    begin = end;
  }
  entries_.clear();
  return outcome;
}

void SendQueue::send_run(size_t begin, size_t end, SendOutcome& outcome) {
  const int fd = entries_[begin].fd;
  size_t count = end - begin;
  for (size_t i = 0; i < count; ++i) {
    Entry& entry = entries_[begin + i];
    msghdr& h = messages_[i].msg_hdr;
    h = msghdr{};
    h.msg_iov = &entry.iov;
    h.msg_iovlen = 1;
    if (entry.destination) {
      h.msg_name = &entry.destination->storage;
      h.msg_namelen = entry.destination->length;
    }
    if (entry.control_length > 0) {
      h.msg_control = entry.control.data();
      h.msg_controllen = entry.control_length;
    }
  }
  size_t next = 0;
  while (next < count) {
    int n = ::sendmmsg(fd, messages_.data() + next, static_cast<unsigned>(count - next),
                       MSG_DONTWAIT);
    if (n > 0) {
      outcome.sent += static_cast<uint64_t>(n);
      next += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    int err = n < 0 ? errno : EIO;
    outcome.last_error = err;
    if (err == EAGAIN || err == ENOBUFS) {
      // The buffer is full: the rest of this run would fail the same way right now.
      outcome.dropped_full += count - next;
      return;
    }
    // The first message failed on its own (e.g. a pending ICMP error): skip it, go on.
    ++outcome.dropped_error;
    ++next;
  }
}

}  // namespace phantasm::linux_host
