// The daemon's control socket: a Unix stream socket on which `phantasm status` asks for the
// daemon's state. One request per connection: a line ("status"), answered with one JSON
// document and a newline, then the daemon closes the connection. Served on the daemon's control
// io_context (the main thread), never on a worker's.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "apps/daemons/control_path.h"

namespace phantasm::daemons {


class ControlSocket {
 public:
  // Returns the answer to one request line (without its newline).
  using Handler = std::function<std::string(std::string_view request)>;

  // Binds `path` (mode 0660) and starts accepting on `io`. The directory is created 0750 when
  // missing. A stale socket file (no daemon answers on it: one that crashed) is replaced; a live
  // one, or a file that is not a socket, is a linux_host::SetupError.
  ControlSocket(boost::asio::io_context& io, std::string path, Handler handler);
  ~ControlSocket();
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;

  // Stops accepting and removes the socket file (only if it is still the one bound here).
  void close();
  const std::string& path() const { return path_; }

 private:
  void accept();

  std::string path_;
  Handler handler_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  dev_t device_ = 0;
  ino_t inode_ = 0;
  bool bound_ = false;
};

}  // namespace phantasm::daemons
