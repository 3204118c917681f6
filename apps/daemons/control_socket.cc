#include "apps/daemons/control_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <istream>

#include "harness/linux/setup_error.h"
#include "harness/linux/unique_fd.h"

namespace phantasm::daemons {
namespace {

using linux_host::SetupError;
using linux_host::UniqueFd;
using stream = boost::asio::local::stream_protocol;

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) {
    throw SetupError("--control path '" + path + "' is longer than a Unix socket path can be (" +
                     std::to_string(sizeof a.sun_path - 1) + " bytes)");
  }
  std::memcpy(a.sun_path, path.data(), path.size());
  return a;
}

// Whether a daemon answers on the socket file at `path`.
bool someone_listens(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) throw SetupError(linux_host::errno_text("socket(AF_UNIX)", errno));
  sockaddr_un a = unix_address(path);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0) return true;
  int err = errno;
  if (err == ECONNREFUSED) return false;
  throw SetupError(linux_host::errno_text("control socket " + path + ": connect", err));
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// One request: read a line (at most 256 bytes, 2 s), answer, close.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(stream::socket socket, const ControlSocket::Handler& handler)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), buffer_(256),
        handler_(handler) {}

  void start() {
    timer_.expires_after(std::chrono::seconds(2));
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) {
        boost::system::error_code ignored;
        self->socket_.close(ignored);
      }
    });
    boost::asio::async_read_until(
        socket_, buffer_, '\n',
        [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
          // EOF without a newline is a request too ("status" by default); other errors end it.
          if (ec && ec != boost::asio::error::eof && ec != boost::asio::error::not_found) {
            self->timer_.cancel();
            return;
          }
          std::istream in(&self->buffer_);
          std::string line;
          std::getline(in, line);
          while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
          self->answer(line);
        });
  }

 private:
  void answer(const std::string& request) {
    try {
      reply_ = handler_(request);
    } catch (const std::exception& e) {
      reply_ = std::string("{\"error\":\"internal error\"}");
      spdlog::warn("control socket: answering '{}' failed: {}", request, e.what());
    }
    reply_ += '\n';
    boost::asio::async_write(socket_, boost::asio::buffer(reply_),
                             [self = shared_from_this()](const boost::system::error_code&, size_t) {
                               boost::system::error_code ignored;
                               self->socket_.shutdown(stream::socket::shutdown_both, ignored);
                               self->socket_.close(ignored);
                               self->timer_.cancel();
                             });
  }

  stream::socket socket_;
  boost::asio::steady_timer timer_;
  boost::asio::streambuf buffer_;
  ControlSocket::Handler handler_;
  std::string reply_;
};

}  // namespace

ControlSocket::ControlSocket(boost::asio::io_context& io, std::string path, Handler handler)
    : path_(std::move(path)), handler_(std::move(handler)), acceptor_(io) {
  sockaddr_un address = unix_address(path_);
  const std::string directory = parent_of(path_);
  struct stat st{};
  if (::stat(directory.c_str(), &st) != 0) {
    if (errno != ENOENT || (::mkdir(directory.c_str(), 0750) != 0 && errno != EEXIST)) {
      throw SetupError(linux_host::errno_text("cannot create the control directory " + directory,
                                              errno));
    }
    ::chmod(directory.c_str(), 0750);  // whatever the umask
    spdlog::debug("created {} (mode 0750)", directory);
  }
  if (::lstat(path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      throw SetupError("control socket path " + path_ +
                       " exists and is not a socket; remove it or choose --control PATH");
    }
    if (someone_listens(path_)) {
      throw SetupError("control socket " + path_ +
                       " is in use: another daemon is running with it (a second tunnel needs its "
                       "own --tun name or --control PATH)");
    }
    if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
      throw SetupError(linux_host::errno_text("cannot remove the stale control socket " + path_,
                                              errno));
    }
    spdlog::info("replaced the stale control socket {} (left by a daemon that did not exit)",
                 path_);
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw SetupError(linux_host::errno_text("socket(AF_UNIX)", errno));
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    int err = errno;
    ::close(fd);
    throw SetupError(linux_host::errno_text("cannot bind the control socket " + path_, err));
  }
  bound_ = true;
  if (::stat(path_.c_str(), &st) == 0) {
    device_ = st.st_dev;
    inode_ = st.st_ino;
  }
  ::chmod(path_.c_str(), 0660);
  if (::listen(fd, 16) != 0) {
    int err = errno;
    ::close(fd);
    close();
    throw SetupError(linux_host::errno_text("listen on the control socket " + path_, err));
  }
  acceptor_.assign(stream(), fd);
  accept();
}

ControlSocket::~ControlSocket() { close(); }

void ControlSocket::close() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  if (!bound_) return;
  bound_ = false;
  struct stat st{};
  // Only our own file: a daemon started since with the same path owns a new inode.
  if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == device_ && st.st_ino == inode_) {
    ::unlink(path_.c_str());
  }
}

void ControlSocket::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, stream::socket socket) {
    if (ec == boost::asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) std::make_shared<Session>(std::move(socket), handler_)->start();
    accept();
  });
}

}  // namespace phantasm::daemons
