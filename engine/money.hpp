// crix::engine money as a person reads it, for reject sentences, logs and reports (reject_text.cpp).
#pragma once

#include <cstdint>
#include <string>

namespace crix::engine {

// A price in fen as a person reads it: 58000 -> "580.00 yuan".
std::string yuan(std::int64_t fen);

}  // namespace crix::engine
