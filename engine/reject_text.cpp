// Rejected events, and the names of command and event types, reject codes and cancel reasons: stable,
// lower-case phrases a person can read in a log or a FIX Text field (Exchange::describe adds names
// and numbers).
#include <cstdio>

#include "engine/calendar.hpp"
#include "engine/command.hpp"
#include "engine/event.hpp"
#include "engine/money.hpp"

namespace crix::engine {

namespace {

// A time (ns since the epoch) as a person reads it in a sentence: "2026-12-07 23:40:12.345 UTC" (the
// milliseconds only when not on a whole second).
std::string utc_text(std::int64_t ns) {
  const UtcTime t = utc_time(ns);
  char text[48];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d", static_cast<int>(t.date.year),
                static_cast<int>(t.date.month), static_cast<int>(t.date.day), t.hour, t.minute, t.second);
  std::string out = text;
  if (t.millis != 0) {
    std::snprintf(text, sizeof text, ".%03d", t.millis);
    out += text;
  }
  return out + " UTC";
}

}  // namespace

std::string yuan(std::int64_t fen) {
  const std::int64_t a = fen < 0 ? -fen : fen;
  std::string text = fen < 0 ? "-" : "";
  text += std::to_string(a / 100);
  text += a % 100 < 10 ? ".0" : ".";
  text += std::to_string(a % 100);
  text += " yuan";
  return text;
}

std::string_view to_string(RejectCode code) {
  switch (code) {
    case RejectCode::kNone: return "none";
    case RejectCode::kUnknownInstrument: return "unknown instrument";
    case RejectCode::kInvalidSide: return "invalid side";
    case RejectCode::kInvalidOrderType: return "invalid order type";
    case RejectCode::kInvalidTimeInForce: return "invalid time in force";
    case RejectCode::kInvalidFlags: return "invalid order flags";
    case RejectCode::kInvalidQuantity: return "quantity out of range";
    case RejectCode::kInvalidPrice: return "price out of range";
    case RejectCode::kInvalidExpiry: return "invalid expiry time";
    case RejectCode::kDuplicateOrderId: return "duplicate order id";
    case RejectCode::kUnknownOrder: return "no such resting order";
    case RejectCode::kNotOwner: return "order belongs to another participant";
    case RejectCode::kReplaceBelowFilled: return "new quantity not above the filled quantity";
    case RejectCode::kOrderPoolFull: return "order capacity exhausted";
    case RejectCode::kLevelPoolFull: return "price level capacity exhausted";
    case RejectCode::kUnknownCommand: return "unknown command";
    case RejectCode::kUnknownParticipant: return "unknown participant";
    case RejectCode::kParticipantSuspended: return "participant suspended";
    case RejectCode::kSideNotAllowed: return "side not allowed for this participant";
    case RejectCode::kInstrumentNotAllowed: return "instrument not allowed for this participant";
    case RejectCode::kSessionClosed: return "not in continuous trading";
    case RejectCode::kInstrumentHalted: return "instrument halted";
    case RejectCode::kOffTick: return "price not a multiple of the tick";
    case RejectCode::kOffLot: return "quantity not a multiple of the lot";
    case RejectCode::kOutsideBand: return "price outside the band";
    case RejectCode::kUnknownFacility: return "unknown facility";
    case RejectCode::kFacilityNotOwned: return "facility belongs to another participant";
    case RejectCode::kFacilityWrongIndustry: return "facility of another industry";
    case RejectCode::kFacilityIneligible: return "facility capacity not eligible";
    case RejectCode::kFacilityCapacity: return "not enough unsold, unreserved capacity";
    case RejectCode::kFacilityIndivisible: return "indivisible facility sells its whole capacity all-or-none";
    case RejectCode::kUnknownProject: return "unknown project";
    case RejectCode::kProjectNotOwned: return "project belongs to another participant";
    case RejectCode::kProjectWrongIndustry: return "project of another industry";
    case RejectCode::kProjectNotOpen: return "project not open for buying";
    case RejectCode::kProjectNeed: return "order exceeds the project's remaining need";
    case RejectCode::kNoRatioRule: return "no replacement ratio rule covers the project";
    case RejectCode::kNoCounterparty: return "no registered counterparty could ever trade with the account";
    case RejectCode::kUnknownTrade: return "no such trade";
    case RejectCode::kNotRevocable: return "trade may not be revoked";
    case RejectCode::kStatusNotAllowed: return "elimination status may not move that way";
    case RejectCode::kInvalidAmendment: return "invalid registry amendment";
    case RejectCode::kAmendBelowUsed: return "amendment below what is already sold or credited";
    case RejectCode::kRegistrationOutOfOrder: return "registration out of order";
    case RejectCode::kCreditsNothing: return "order too small to credit any new capacity";
    case RejectCode::kAboveListedMax: return "quantity above the largest listed order";
    case RejectCode::kBelowBlockMin: return "quantity below the block trade minimum";
    case RejectCode::kOutsideBlockBand: return "price outside the block trade band";
    case RejectCode::kUnknownBlock: return "no such pending block proposal";
    case RejectCode::kNotBlockParty: return "not a party who may answer this block proposal";
    case RejectCode::kBlockCounterparty: return "the counterparty may not take this block trade";
    case RejectCode::kBlockPairRefused: return "the block trade breaks a market rule";
    case RejectCode::kDuplicateBlockId: return "duplicate block id";
    case RejectCode::kUnknownAuction: return "no such auction";
    case RejectCode::kAuctionNotOpen: return "the auction is not taking bids";
    case RejectCode::kBelowReserve: return "bid below the auction's reserve price";
    case RejectCode::kOffIncrement: return "bid off the auction's price increment";
    case RejectCode::kBidNotRaised: return "a bid may only be raised";
    case RejectCode::kAuctionBidder: return "the bidder may not bid in this auction";
    case RejectCode::kAuctionLot: return "the auction may not be announced or canceled now";
    case RejectCode::kNoChange: return "the command would change nothing";
  }
  return "unrecognised reject code";
}

std::string describe_reject(const Event& e) {
  std::string text(to_string(e.code));
  const auto n = [](std::int64_t v) { return std::to_string(v); };
  switch (e.code) {
    case RejectCode::kUnknownInstrument: return text + ": " + n(e.arg1);
    case RejectCode::kInvalidSide:
    case RejectCode::kInvalidOrderType:
    case RejectCode::kInvalidTimeInForce:
    case RejectCode::kInvalidFlags:
    case RejectCode::kUnknownCommand: return text + ": raw value " + n(e.arg1);
    case RejectCode::kInvalidQuantity:
    case RejectCode::kInvalidPrice:
      return text + ": " + n(e.arg1) + " is not within 1.." + n(e.arg2);
    case RejectCode::kInvalidExpiry:
      if (e.arg1 <= e.arg2) {
        return text + ": " + utc_text(e.arg1) + " is not after now, " + utc_text(e.arg2) +
               " (the exchange's time when it took the order): a GTD order needs a later expiry time; send it "
               "again with one, or with another time in force";
      }
      return text + ": " + utc_text(e.arg1) + " given to an order that is not GTD: only a GTD order has an "
             "expiry time; send it again without one";
    case RejectCode::kDuplicateOrderId:
    case RejectCode::kUnknownOrder:
    case RejectCode::kNotOwner: return text + ": order " + std::to_string(e.order_id.v);
    case RejectCode::kReplaceBelowFilled:
      return text + ": new total " + n(e.arg1) + ", already filled " + n(e.arg2);
    case RejectCode::kOrderPoolFull:
    case RejectCode::kLevelPoolFull: return text + ": all " + n(e.arg1) + " in use";
    case RejectCode::kNone: break;
    default:  // market rules: Exchange::describe names the facility, project or region
      if (e.arg1 != 0 || e.arg2 != 0) return text + " (" + n(e.arg1) + ", " + n(e.arg2) + ")";
      break;
  }
  return text;
}

Event rejected(const Command& c, RejectCode code, std::int64_t arg1, std::int64_t arg2) {
  Event e;
  e.type = EventType::kRejected;
  e.instrument = c.instrument;
  e.order_id = c.id;
  e.side = c.side;
  e.price = c.price;
  e.qty = c.qty;
  e.code = code;
  e.arg1 = arg1;
  e.arg2 = arg2;
  e.account = c.account;
  e.participant = c.participant;
  return e;
}

std::string_view to_string(CommandType type) {
  switch (type) {
    case CommandType::kNew: return "New";
    case CommandType::kCancel: return "Cancel";
    case CommandType::kReplace: return "Replace";
    case CommandType::kMassCancel: return "MassCancel";
    case CommandType::kAdvanceTime: return "AdvanceTime";
    case CommandType::kCloseDay: return "CloseDay";
    case CommandType::kHalt: return "Halt";
    case CommandType::kResume: return "Resume";
    case CommandType::kSuspend: return "Suspend";
    case CommandType::kReinstate: return "Reinstate";
    case CommandType::kRevoke: return "Revoke";
    case CommandType::kSetEliminationStatus: return "SetEliminationStatus";
    case CommandType::kAmendFacility: return "AmendFacility";
    case CommandType::kAmendProject: return "AmendProject";
    case CommandType::kRegister: return "Register";
    case CommandType::kBlockPropose: return "BlockPropose";
    case CommandType::kBlockAccept: return "BlockAccept";
    case CommandType::kBlockDecline: return "BlockDecline";
    case CommandType::kBlockWithdraw: return "BlockWithdraw";
    case CommandType::kAuctionAnnounce: return "AuctionAnnounce";
    case CommandType::kAuctionCancel: return "AuctionCancel";
    case CommandType::kAuctionBid: return "AuctionBid";
  }
  return "?";
}

std::string_view to_string(EventType type) {
  switch (type) {
    case EventType::kAccepted: return "Accepted";
    case EventType::kRejected: return "Rejected";
    case EventType::kFill: return "Fill";
    case EventType::kCanceled: return "Canceled";
    case EventType::kReplaced: return "Replaced";
    case EventType::kExpired: return "Expired";
    case EventType::kLevel: return "Level";
    case EventType::kSessionPhase: return "SessionPhase";
    case EventType::kInstrumentState: return "InstrumentState";
    case EventType::kParticipantState: return "ParticipantState";
    case EventType::kDayClosed: return "DayClosed";
    case EventType::kRevoked: return "Revoked";
    case EventType::kEliminationStatus: return "EliminationStatus";
    case EventType::kRegistryChanged: return "RegistryChanged";
    case EventType::kRegistered: return "Registered";
    case EventType::kBlockProposed: return "BlockProposed";
    case EventType::kBlockEnded: return "BlockEnded";
    case EventType::kAuctionAnnounced: return "AuctionAnnounced";
    case EventType::kAuctionBid: return "AuctionBid";
    case EventType::kAuctionBidEnded: return "AuctionBidEnded";
    case EventType::kAuctionEnded: return "AuctionEnded";
  }
  return "?";
}

std::string_view to_string(TradeMode mode) {
  switch (mode) {
    case TradeMode::kBook: return "book";
    case TradeMode::kBlock: return "block";
    case TradeMode::kAuction: return "auction";
  }
  return "?";
}

std::string_view to_string(CancelReason reason) {
  switch (reason) {
    case CancelReason::kNone: return "none";
    case CancelReason::kRequested: return "canceled on request";
    case CancelReason::kMassCancel: return "mass cancel";
    case CancelReason::kSelfTrade: return "self-trade prevention";
    case CancelReason::kUnfilled: return "unfilled remainder of an immediate order";
    case CancelReason::kFillOrKill: return "could not fill completely at once";
    case CancelReason::kNeedMet: return "the project's need is met";
    case CancelReason::kSuspended: return "participant suspended";
    case CancelReason::kRegistry: return "the registry entry of its facility or project was amended";
    case CancelReason::kNeedCovered:
      return "a fill at a lower ratio credited more than the order reserved: the project's credit and its "
             "other open orders now cover its need";
    case CancelReason::kCreditsNothing:
      return "the remainder is too small to credit any new capacity, even at the lowest ratio it could get";
    case CancelReason::kDeclined: return "declined by the counterparty";
    case CancelReason::kBlockExpired: return "unanswered at the day's close";
    case CancelReason::kAuctionLost: return "outbid when the auction's window ended";
    case CancelReason::kAuctionCanceled: return "the auction was canceled by the operator";
  }
  return "unrecognised cancel reason";
}

}  // namespace crix::engine
