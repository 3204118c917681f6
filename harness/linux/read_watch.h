// Readiness of a non-blocking fd in a Boost.Asio io_context. Asio has no recvmmsg and no TUN
// type, so we only borrow its reactor: async_wait(wait_read) on the native handle, then the
// owner drains the fd with batch syscalls until EAGAIN. A drain that stops early (budget spent,
// other fds deserve a turn) is resumed through post(), because an edge-triggered reactor would
// not report the data that is already waiting.
#pragma once

#include <functional>
#include <memory>

#include <boost/asio/io_context.hpp>

namespace phantasm::linux_host {

class ReadWatch {
 public:
  // Returns true when it stopped with data possibly left (call again soon), false at EAGAIN.
  using Drain = std::function<bool()>;

  // Does not take ownership of `fd`: the owner closes it after destroying the watch.
  ReadWatch(boost::asio::io_context& io, int fd, Drain drain);
  // Safe from inside the drain callback: a handler still queued finds the watch closed.
  ~ReadWatch();
  ReadWatch(const ReadWatch&) = delete;
  ReadWatch& operator=(const ReadWatch&) = delete;

  void start();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace phantasm::linux_host
