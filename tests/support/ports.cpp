#include "tests/support/ports.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

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

// A random port below the kernel's ephemeral range that binds now; closed again. Not port 0's choice:
// Linux (6.18 here) gives a bind(0) or a connect() the port just freed, so the port a test had just
// been given went at once to another test process's bind(0), to a client connection's source port,
// or to crixd's own console on port 0, and crixd then found its FIX port in use (four test_crixd
// cases in one ctest -j2 run). Below the ephemeral range the kernel never picks a port itself; two
// test processes meet only by chance, one in about 23,000.
std::uint16_t free_port() {
  int ephemeral_low = 32768;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> ephemeral_low;
  constexpr int kLowest = 10000;
  if (ephemeral_low - kLowest < 1000) throw std::runtime_error("the ephemeral port range starts below 11000: no room for test ports");
  thread_local std::mt19937 random{std::random_device{}()};
  std::uniform_int_distribution<int> pick(kLowest, ephemeral_low - 1);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("cannot open a socket to find a free loopback port");
    const sockaddr_in a = loopback(static_cast<std::uint16_t>(pick(random)));
    const bool bound = bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0;
    close(fd);
    if (bound) return ntohs(a.sin_port);
  }
  throw std::runtime_error("cannot find a free loopback port below " + std::to_string(ephemeral_low) +
                           " in 200 tries");
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
