// Which worker owns the flow a packet from the TUN belongs to, when several workers each run an
// Endpoint on their own TUN queue.
//
// The kernel picks the queue a packet is read from (the TUN's automq flow table: the queue that
// last wrote the flow, else a hash with a per-boot secret we cannot compute), so a packet can
// surface at a worker that does not hold its connection. Ownership is therefore a pure function
// of the packet that every worker can compute, and a worker that reads someone else's packet
// hands it over (Worker::hand_off). Because owners also *write* their flows' packets, the
// automq table soon steers each flow to its owner's queue and hand-offs stay rare; they are
// counted. (A TUNSETSTEERINGEBPF program computing the same function would avoid them, but
// loading BPF needs CAP_BPF or CAP_SYS_ADMIN where unprivileged BPF is off, as on Debian, and the
// daemons must run with CAP_NET_ADMIN alone.)
//
//  - client: each worker's Endpoint picks its fake-TCP source ports from its own slice of
//    [port_min, port_max]; the owner of an inbound packet is the slice holding its destination
//    port. (The UDP side needs nothing: SO_REUSEPORT hashes a UDP peer to the same socket, and
//    so to the same worker, every time.)
//  - server: the owner is a hash of the packet's source address and port (the far client, as
//    the kernel NAT presents it), fixed for the life of the connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>

namespace phantasm::linux_host {

// The TCP source/destination ports and the source address bytes of an IPv4/IPv6 TCP packet
// without extension headers; nothing for anything else (the reading worker then keeps it and
// the engine counts it).
struct TcpPeek {
  std::span<const uint8_t> src_ip;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
};
std::optional<TcpPeek> peek_tcp(std::span<const uint8_t> packet);

class FlowSteering {
 public:
  // One worker: everything is its own.
  FlowSteering() = default;
  static FlowSteering client(size_t workers, uint16_t port_min, uint16_t port_max);
  static FlowSteering server(size_t workers);

  size_t workers() const { return workers_; }
  // The client port slice of `worker` (inclusive).
  std::pair<uint16_t, uint16_t> client_ports(size_t worker) const;
  // The worker owning the packet's flow, or `reader` when the packet says nothing usable.
  size_t owner(std::span<const uint8_t> packet, size_t reader) const;

 private:
  enum class Kind : uint8_t { kSingle, kClient, kServer };
  Kind kind_ = Kind::kSingle;
  size_t workers_ = 1;
  uint16_t port_min_ = 0;
  uint16_t port_max_ = 0;
};

}  // namespace phantasm::linux_host
