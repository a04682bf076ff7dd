// `crix order`: the enterprise's command-line FIX client (a QuickFIX initiator through crix::fix). It
// logs on as a participant, sends one request, prints what comes back as readable lines, and logs out:
//
//   crix order [CONNECTION] buy|sell SYMBOL ACCOUNT QTY PRICE [--tif day|gtc|ioc|fok] [--aon] [--id CLORDID]
//   crix order [CONNECTION] cancel ORDER_ID
//   crix order [CONNECTION] replace ORDER_ID QTY PRICE
//   crix order [CONNECTION] status ORDER_ID
//   crix order [CONNECTION] book SYMBOL [--depth N]       (a snapshot of the book)
//   crix order [CONNECTION] watch SYMBOL                  (book and trades as they change, until Ctrl-C)
//   crix order [CONNECTION] securities                    (instruments, tick, lot, band, reference, state)
//
// CONNECTION: --as PARTICIPANT (its comp id and Username; required) --password PW (or the environment's
// CRIX_PASSWORD) [--host 127.0.0.1] [--port 9878]. PRICE is in yuan ("580.00"), QTY in tonnes,
// ACCOUNT the facility (sell) or project (buy). A new order waits until it is done (filled, canceled,
// rejected) or nothing more came for a second. Exit codes: 0 done, 1 refused (logon, reject) or no
// answer, 2 bad arguments.
#pragma once

#include <ostream>
#include <span>

namespace crix::tools {

int run_order_command(std::span<char*> args, std::ostream& out, std::ostream& err);

}  // namespace crix::tools
