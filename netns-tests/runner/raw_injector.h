// Sends packets a middlebox model made up (resets, duplicates) from the box's namespace through
// raw IP sockets (IPPROTO_RAW: the packet carries its own header, any source address). They
// leave through the box's routing, as a box on the path would emit them.
#pragma once

#include <cstdint>
#include <span>

namespace phantasm::netns {

class RawInjector {
 public:
  RawInjector();
  ~RawInjector();
  RawInjector(const RawInjector&) = delete;
  RawInjector& operator=(const RawInjector&) = delete;

  // False (and counted) when the kernel refused it.
  bool send(std::span<const uint8_t> packet);
  uint64_t sent() const { return sent_; }
  uint64_t failed() const { return failed_; }

 private:
  int fd4_ = -1;
  int fd6_ = -1;
  uint64_t sent_ = 0;
  uint64_t failed_ = 0;
};

}  // namespace phantasm::netns
