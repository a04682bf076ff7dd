// crix::test ports: a free loopback port for a test's acceptor or crixd, and whether one accepts.
#pragma once

#include <cstdint>

namespace crix::test {

std::uint16_t free_port();             // a loopback port nobody listens on now; throws std::runtime_error
// Somebody accepts on address:port; `address` in host byte order (0x7f000001: 127.0.0.1; 127.0.0.2 is
// another loopback address of the machine).
bool can_connect(std::uint16_t port, std::uint32_t address = 0x7f000001);

}  // namespace crix::test
