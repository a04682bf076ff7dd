// crix bench parties: the sample market's (config/sample/market.toml) trading sessions that the load
// benches drive (crash_campaign, soak): steel capacity, ironmaking and steelmaking (they do not trade
// with each other), two sellers' divisible facilities and two buyers' projects.
#pragma once

#include <cstdint>

namespace crix::bench {

struct Party {
  const char* participant;
  const char* password;
  const char* account;  // the facility a seller sells from, the project a buyer buys for
  char side;            // FIX Side: '1' buy, '2' sell
  const char* symbol;
  std::int64_t reference;  // the instrument's reference price, fen per tonne
};

// Two tonnes per order is the least a sell may offer (it credits a project 1 t at 1.25:1); at two
// tonnes the facilities' capacity (HB-BF-450: 550,000 t) lasts some 270,000 fills.
constexpr Party kParties[] = {
    {"HB-TANGSHAN-IRON", "demo-hb-tangshan-iron", "HB-BF-450", '2', "STEEL-IRON", 58000},
    {"SD-JINAN-STEEL", "demo-sd-jinan-steel", "SD-CV-120", '2', "STEEL-CRUDE", 95000},
    {"SC-PANZHIHUA-STEEL", "demo-sc-panzhihua-steel", "SC-PZH-BF-1750", '1', "STEEL-IRON", 58000},
    {"TJ-BOHAI-STEEL", "demo-tj-bohai-steel", "TJ-NEW-CV-150", '1', "STEEL-CRUDE", 95000},
};

}  // namespace crix::bench
