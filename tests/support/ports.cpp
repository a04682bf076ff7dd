#include "tests/support/ports.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace crix::test {

namespace {
sockaddr_in loopback(std::uint16_t port, std::uint32_t address = INADDR_LOOPBACK) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(address);
  a.sin_port = htons(port);
  return a;
}
}  // namespace

// Binds port 0, reads what the kernel chose, closes.
std::uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("cannot open a socket to find a free loopback port");
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    throw std::runtime_error("cannot find a free loopback port");
  }
  close(fd);
  return ntohs(a.sin_port);
}

bool can_connect(std::uint16_t port, std::uint32_t address) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  const sockaddr_in a = loopback(port, address);
  bool ok = connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
  // With nobody listening, Linux may pick `port` itself as the source port of a connect to a port in
  // the ephemeral range, and the socket connects to itself (TCP simultaneous open): that is nobody
  // accepting. (It made a test SIGTERM a crixd still replaying its journal.)
  sockaddr_in local{};
  socklen_t len = sizeof local;
  if (ok && getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0 && ntohs(local.sin_port) == port) ok = false;
  close(fd);
  return ok;
}

}  // namespace crix::test
