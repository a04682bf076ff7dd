// crix::test ports: a free loopback port for a test's acceptor or crixd, and whether one accepts.
#pragma once

#include <cstdint>

namespace crix::test {

// A loopback port nobody uses now, below the kernel's ephemeral range (so no bind(0) or connect() of
// the kernel's choosing takes it meanwhile); throws std::runtime_error.
std::uint16_t free_port();
// Somebody accepts on address:port; `address` in host byte order (0x7f000001: 127.0.0.1; 127.0.0.2 is
// another loopback address of the machine).
bool can_connect(std::uint16_t port, std::uint32_t address = 0x7f000001);

}  // namespace crix::test
