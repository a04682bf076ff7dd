// `crix order`: the enterprise's command-line FIX client (a QuickFIX initiator through crix::fix). It
// logs on as a participant, sends one request, prints what comes back as readable lines, and logs out:
//
//   crix order [CONNECTION] buy|sell SYMBOL ACCOUNT QTY PRICE [--tif day|gtc|ioc|fok] [--aon] [--id CLORDID]
//   crix order [CONNECTION] cancel ORDER                 ORDER: an order id or the order's ClOrdID
//   crix order [CONNECTION] replace ORDER QTY PRICE
//   crix order [CONNECTION] status ORDER
//   crix order [CONNECTION] orders                       (the session's open orders)
//   crix order [CONNECTION] fills                        (the session's orders of the day that traded)
//   crix order [CONNECTION] cancel-all [SYMBOL]          (OrderMassCancelRequest, and its report)
//   crix order [CONNECTION] book SYMBOL [--depth N]       (a snapshot of the book)
//   crix order [CONNECTION] watch SYMBOL                  (book and trades as they change, until Ctrl-C or a refusal)
//   crix order [CONNECTION] securities                    (instruments, tick, lot, band, reference, state)
//   crix order [CONNECTION] block propose SYMBOL buy|sell ACCOUNT QTY PRICE --to PARTICIPANT
//   crix order [CONNECTION] block accept BLOCK ACCOUNT     (BLOCK: the block's id; ACCOUNT: yours)
//   crix order [CONNECTION] block decline BLOCK
//   crix order [CONNECTION] block withdraw BLOCK
//   crix order [CONNECTION] blocks                        (the pending proposals you made or that name you)
//
// Block trades go as TradeCaptureReports (DESIGN.md, FIX dialect): each prints the exchange's answer
// ("block 7 (block-...) proposed", or "refused: " and the exchange's sentence), and an accepted block
// its trade; block accept first lists the pending blocks (TradeCaptureReportRequest) for the side it
// takes. Reports about blocks naming the participant that arrive meanwhile are printed too.
//
// cancel, replace and status first look the order up with an OrderMassStatusRequest (AF: the
// session's orders of the day; one instrument with --symbol), which gives the Symbol, Side and ids the
// request needs (--order-id or --cl-ord-id says which ORDER is, when one order's id is another's
// ClOrdID: without, such an ORDER is refused); orders and fills print that list. An auction bid is not
// canceled or replaced (its raise is another buy --auction); a ClOrdID a replace retired is answered
// with the one its order goes by now (the store keeps the replaces it saw, in "replaces"). CONNECTION: --as PARTICIPANT (its comp id and
// Username; required), the password from --password PW, --password-file FILE (its first line), the
// environment's CRIX_PASSWORD, or else a prompt without echo when stdin is a terminal; [--host
// 127.0.0.1] [--port 9878]; --store DIR (default $XDG_STATE_HOME/crix/HOST-PORT/PARTICIPANT, or
// ~/.local/state/crix/...) keeps the FIX sequence numbers and sent messages between runs, so the
// exchange resends at logon what the participant missed, printed as "missed while away: ..."; --fresh
// starts the sequence numbers over (ResetSeqNumFlag=Y), in the store too, so the next run continues.
// A rejection naming a FIX field that an option or argument sets names that too ("(crix order: --aon)"). PRICE is in yuan ("580.00"), QTY in tonnes,
// ACCOUNT the facility (sell) or project (buy). A new order waits until it is done (filled,
// canceled, rejected) or nothing more came for a second. Exit codes: 0 done, 1 refused (logon,
// reject), unknown order or no answer, 2 bad arguments (tools/cli.hpp).
#pragma once

#include <ostream>

namespace CLI {
class App;
}

namespace crix::tools {

// Adds `order` and its verbs (each with --help) to `crix`; the actions write to `out` and `err`, which
// must outlive `crix`.
void add_order_command(CLI::App& crix, std::ostream& out, std::ostream& err);

}  // namespace crix::tools
