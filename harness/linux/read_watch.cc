#include "harness/linux/read_watch.h"

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

namespace phantasm::linux_host {

struct ReadWatch::State : std::enable_shared_from_this<ReadWatch::State> {
  State(boost::asio::io_context& io, int fd, Drain d) : descriptor(io, fd), drain(std::move(d)) {}

  boost::asio::posix::stream_descriptor descriptor;
  Drain drain;
  bool closed = false;

  void arm() {
    descriptor.async_wait(boost::asio::posix::descriptor_base::wait_read,
                          [self = shared_from_this()](const boost::system::error_code& ec) {
                            if (self->closed || ec) return;
                            self->run();
                          });
  }

  void run() {
    // The callback may destroy the watch (a flow closed by its own datagram): keep a copy.
    Drain current = drain;
    bool more = current();
    if (closed) return;
    if (more) {
      boost::asio::post(descriptor.get_executor(), [self = shared_from_this()] {
        if (!self->closed) self->run();
      });
    } else {
      arm();
    }
  }
};

ReadWatch::ReadWatch(boost::asio::io_context& io, int fd, Drain drain)
    : state_(std::make_shared<State>(io, fd, std::move(drain))) {}

ReadWatch::~ReadWatch() {
  state_->closed = true;
  state_->drain = nullptr;
  // Deregisters from the reactor without closing: the fd belongs to the owner.
  boost::system::error_code ignored;
  state_->descriptor.cancel(ignored);
  state_->descriptor.release();
}

void ReadWatch::start() { state_->arm(); }

}  // namespace phantasm::linux_host
