// crix::test ports: a free loopback port for a test's acceptor or crixd, and whether one accepts.
#pragma once

#include <cstdint>

namespace crix::test {

std::uint16_t free_port();             // a loopback port nobody listens on now; throws std::runtime_error
bool can_connect(std::uint16_t port);  // somebody accepts on 127.0.0.1:port

}  // namespace crix::test
