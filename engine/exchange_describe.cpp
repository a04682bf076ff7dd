#include "engine/exchange_impl.hpp"

#include "engine/money.hpp"

namespace crix::engine {

namespace {

std::string minute_text(std::int64_t minute) {
  const char text[] = {static_cast<char>('0' + minute / 600 % 10), static_cast<char>('0' + minute / 60 % 10),
                       ':', static_cast<char>('0' + minute % 60 / 10), static_cast<char>('0' + minute % 10)};
  return std::string(text, sizeof text);
}

}  // namespace

std::string Exchange::describe(const Event& e) const {
  const Impl& m = *impl_;
  const Market& mk = m.market;
  const bool known_instrument = e.instrument.v < mk.instruments.size();
  const std::string instrument = known_instrument ? mk.instruments[e.instrument.v].code : "?";
  // Quantities and prices are per the instrument's unit (GLASS-FLAT counts weight boxes, not tonnes);
  // a registry event's (an amendment's command names no instrument) per its facility's or project's
  // industry's.
  const bool registry = e.type == EventType::kRejected && e.code == RejectCode::kAmendBelowUsed;
  const std::string& unit = [&]() -> const std::string& {
    if (known_instrument && !registry) return mk.instruments[e.instrument.v].unit;
    if (e.side == Side::kSell && e.account.v < mk.facilities.size()) {
      return unit_of(mk, mk.facilities[e.account.v].industry);
    }
    if (e.side == Side::kBuy && e.account.v < mk.projects.size()) return unit_of(mk, mk.projects[e.account.v].industry);
    return unit_of(mk, Industry::kSteel);
  }();
  const auto amount = [&](std::int64_t v) { return std::to_string(v) + " " + unit; };
  const bool known_participant = e.participant.v < mk.participants.size();
  const std::string who = known_participant ? mk.participants[e.participant.v].id
                                            : "participant #" + std::to_string(e.participant.v);
  const auto facility = [&](std::uint64_t f) -> std::string {
    if (f >= mk.facilities.size()) return "facility #" + std::to_string(f);
    const Facility& fac = mk.facilities[f];
    return "facility " + fac.id + " (" + fac.equipment + ", " + mk.regions[m.facilities[f].region].name + ")";
  };
  const auto project = [&](std::uint64_t p) -> std::string {
    if (p >= mk.projects.size()) return "project #" + std::to_string(p);
    return "project " + mk.projects[p].id + " (" + mk.regions[m.projects[p].region].name + ")";
  };
  if (e.type == EventType::kFill && known_instrument) {
    const bool taker_buys = e.side == Side::kBuy;
    const std::uint64_t p = (taker_buys ? e.account : e.maker_account).v;
    const std::uint64_t f = (taker_buys ? e.maker_account : e.account).v;
    std::string text = std::string(e.mode == TradeMode::kBlock     ? "block trade "
                                   : e.mode == TradeMode::kAuction ? "auction trade "
                                                                   : "trade ") +
                       std::to_string(e.trade_id.v) + ": " + amount(e.qty.v) + " of " + instrument +
                       " at " + yuan(e.price.v) + " per " + unit + " from " + facility(f) + " to " + project(p);
    if (f < mk.facilities.size() && p < mk.projects.size()) {
      text += "; " + pair(static_cast<std::uint32_t>(f), static_cast<std::uint32_t>(p)).why + "; credits " +
              amount(e.arg1) + " of new capacity";
    }
    return text;
  }
  const auto n = [](std::int64_t v) { return std::to_string(v); };
  const auto field_name = [&](Side side, std::int64_t field) -> std::string {
    return side == Side::kSell ? std::string(to_string(static_cast<FacilityField>(field)))
                               : std::string(to_string(static_cast<ProjectField>(field)));
  };
  // As the operator wrote it (none, true, 2027-06-30, filed), not Command::qty's encoding.
  const auto value_text = [](Side side, std::int64_t field, std::int64_t v) {
    return side == Side::kSell ? field_value_text(static_cast<FacilityField>(field), v)
                               : field_value_text(static_cast<ProjectField>(field), v);
  };
  const auto account = [&](Side side, std::uint64_t a) { return side == Side::kSell ? facility(a) : project(a); };
  switch (e.type) {
    case EventType::kRevoked:
      return "trade " + n(e.arg1) + " revoked (record " + std::to_string(e.trade_id.v) + "): " + amount(e.qty.v) +
             " back to " + facility(e.maker_account.v) + ", " + amount(e.arg2) + " of credit taken from " +
             project(e.account.v);
    case EventType::kEliminationStatus:
      return "trade " + std::to_string(e.trade_id.v) + ": elimination entry " +
             std::string(to_string(static_cast<EliminationStatus>(e.arg2))) + " -> " +
             std::string(to_string(static_cast<EliminationStatus>(e.arg1)));
    case EventType::kRegistryChanged:
      return account(e.side, e.account.v) + ": " + field_name(e.side, e.arg1) + " " + value_text(e.side, e.arg1, e.qty.v) +
             " -> " + value_text(e.side, e.arg1, e.arg2);
    case EventType::kRegistered:
      return account(e.side, e.account.v) + " registered";
    case EventType::kInstrumentState:
      return instrument + (e.arg1 == 1 ? " halted by the exchange" : " resumed: trading");
    case EventType::kDayClosed:
      return instrument + ": day closed, " + n(e.arg2) + " trades, " + amount(e.qty.v) + "; close and next reference " +
             yuan(e.price.v) + " per " + unit + " (was " + yuan(e.arg1) + ")";
    case EventType::kBlockProposed:
    case EventType::kBlockEnded: {
      const std::string other = e.maker_participant.v < mk.participants.size()
                                    ? mk.participants[e.maker_participant.v].id
                                    : "participant #" + std::to_string(e.maker_participant.v);
      std::string text = "block " + std::to_string(e.order_id.v) + ": " + who + " " +
                         (e.side == Side::kSell ? "sells " : "buys ") + amount(e.qty.v) + " of " + instrument +
                         " at " + yuan(e.price.v) + " per " + unit + " " + (e.side == Side::kSell ? "from " : "for ") +
                         account(e.side, e.account.v) + (e.side == Side::kSell ? " to " : " from ") + other;
      if (e.type == EventType::kBlockProposed) {
        return text + ": proposed, awaiting " + other + "'s answer until the close";
      }
      if (e.reason == CancelReason::kRequested) return text + ": withdrawn by " + who;
      return text + ": ended, " + std::string(to_string(e.reason));
    }
    case EventType::kAuctionAnnounced:
    case EventType::kAuctionBid:
    case EventType::kAuctionBidEnded:
    case EventType::kAuctionEnded: {
      const std::string name = e.count < mk.auctions.size() ? mk.auctions[e.count].id : "#" + n(e.count);
      const std::string text = "auction " + name + " (" + instrument + "): ";
      if (e.type == EventType::kAuctionAnnounced) {
        return text + "announced by the exchange for " + who + ": " + amount(e.qty.v) + ", reserve " +
               yuan(e.price.v) + " per " + unit;
      }
      if (e.type == EventType::kAuctionBid) {
        return text + who + " bids " + yuan(e.price.v) + " per " + unit + " for " + amount(e.qty.v) + " for " +
               project(e.account.v) + (e.maker_id.v != 0 ? " (a raise of bid " + std::to_string(e.maker_id.v) + ")" : "");
      }
      if (e.type == EventType::kAuctionBidEnded) {
        return text + who + "'s bid " + std::to_string(e.order_id.v) + " ended with " + amount(e.qty.v) + " won, " +
               amount(e.leaves.v) + " released: " + std::string(to_string(e.reason));
      }
      if (e.reason != CancelReason::kNone) return text + "ended unsold: " + std::string(to_string(e.reason));
      if (e.qty.v == 0) return text + "ended unsold: no bid the market's rules allowed";
      return text + "sold " + amount(e.qty.v) + " of " + amount(e.arg2) + " to " + n(e.arg1) +
             " bids, lowest winning price " + yuan(e.price.v) + " per " + unit;
    }
    case EventType::kRejected:
      break;
    default:
      return std::string(to_string(e.type));
  }
  switch (e.code) {
    case RejectCode::kUnknownParticipant:
      return who + " is not a registered participant: log on with a registered SenderCompID";
    case RejectCode::kParticipantSuspended:
      return who + " is suspended by the exchange and may not enter or change orders; contact the operator";
    case RejectCode::kSideNotAllowed:
      if (known_participant && !mk.participants[e.participant.v].may_buy && !mk.participants[e.participant.v].may_sell) {
        return who + " is registered with neither the buyer nor the seller role: it may not trade";
      }
      return who + " is registered as a " + (e.side == Side::kSell ? "buyer" : "seller") + " only: it may not " +
             (e.side == Side::kSell ? "sell" : "buy");
    case RejectCode::kInstrumentNotAllowed: {
      std::string list;
      if (known_participant) {
        for (const std::string& code : mk.participants[e.participant.v].instruments) {
          list += (list.empty() ? "" : ", ") + code;
        }
      }
      return who + " may not trade " + instrument + " (allowed: " + (list.empty() ? "none" : list) + ")";
    }
    case RejectCode::kSessionClosed: {
      std::string text = instrument + " is not in continuous trading: the market is " +
                         std::string(to_string(static_cast<SessionPhase>(e.arg1)));
      text += e.arg2 >= 0 ? "; trading opens at " + minute_text(e.arg2) + " local time"
                          : "; no more trading today";
      return text;
    }
    case RejectCode::kInstrumentHalted:
      return instrument + " is halted by the exchange: new orders and replaces wait for the resume; "
                          "cancels are accepted";
    case RejectCode::kOffTick:
      return "price " + yuan(e.arg1) + " is not a multiple of " + instrument + "'s tick " + yuan(e.arg2);
    case RejectCode::kOffLot:
      return "quantity " + amount(e.arg1) + " is not a multiple of " + instrument + "'s lot " + amount(e.arg2);
    case RejectCode::kAboveListedMax:
      return "quantity " + amount(e.arg1) + " is above " + instrument + "'s largest listed order, " +
             amount(e.arg2) + ": send at most " + amount(e.arg2) + " per order";
    case RejectCode::kOutsideBand: {
      const std::string band =
          known_instrument ? " (+-" + n(mk.instruments[e.instrument.v].band_permille / 10) + "." +
                                 n(mk.instruments[e.instrument.v].band_permille % 10) + "% around the reference)"
                           : "";
      return "price " + yuan(e.price.v) + " is outside " + instrument + "'s band " + yuan(e.arg1) + " .. " +
             yuan(e.arg2) + band;
    }
    case RejectCode::kUnknownFacility:
      return "no facility #" + n(static_cast<std::int64_t>(e.account.v)) +
             ": a sell order's Account must name a registered facility of the seller";
    case RejectCode::kFacilityNotOwned:
      return facility(e.account.v) + " belongs to " +
             mk.facilities[e.account.v].owner + ", not to " + who;
    case RejectCode::kFacilityWrongIndustry:
      if (e.arg1 == 1) {
        return facility(e.account.v) + " is " + mk.instruments.at(static_cast<std::size_t>(e.arg2)).code +
               " capacity and may be offered on " + mk.instruments.at(static_cast<std::size_t>(e.arg2)).code +
               " only, not on " + instrument;
      }
      return facility(e.account.v) + " is " + std::string(to_string(mk.facilities[e.account.v].industry)) +
             " capacity; " + instrument + " trades " +
             std::string(to_string(mk.instruments[e.instrument.v].industry));
    case RejectCode::kFacilityIneligible: {
      const Facility& fac = mk.facilities[e.account.v];
      std::string text = facility(e.account.v) + " may not be sold: " +
                         std::string(to_string(static_cast<Ineligibility>(e.arg1)));
      if (static_cast<Ineligibility>(e.arg1) == Ineligibility::kIdle) {
        text += " (" + n(fac.facts.idle_years) + " years; the limit under " + mk.rules_name + " is " +
                n(mk.idle_years_limit) + ")";
      }
      if (static_cast<Ineligibility>(e.arg1) == Ineligibility::kExpired && fac.facts.expires) {
        const Date& d = *fac.facts.expires;
        text += " on " + n(d.year) + "-" + n(d.month) + "-" + n(d.day);
      }
      return text;
    }
    case RejectCode::kFacilityCapacity: {
      // Sold and reserved as they are now: right when the sentence is made as the reject happens.
      const Facility& fac = mk.facilities[e.account.v];
      const Impl::FacilityState& now = m.facilities[e.account.v];
      return facility(e.account.v) + " has " + amount(e.arg1) + " of unsold, unreserved capacity (" +
             amount(fac.capacity) + " registered, " + amount(now.sold) + " sold, " + amount(now.reserved) +
             " reserved by open orders); the order needs " + amount(e.arg2) + " more";
    }
    case RejectCode::kFacilityIndivisible:
      if (e.mode == TradeMode::kBlock) {
        return facility(e.account.v) + " is indivisible: a block trade of it is for its whole remaining " +
               amount(e.arg1);
      }
      return facility(e.account.v) + " is indivisible: sell its whole remaining " + amount(e.arg1) +
             " in one all-or-none order (ExecInst G, or FOK)";
    case RejectCode::kUnknownProject:
      return "no project #" + n(static_cast<std::int64_t>(e.account.v)) +
             ": a buy order's Account must name a registered project of the buyer";
    case RejectCode::kProjectNotOwned:
      return project(e.account.v) + " belongs to " + mk.projects[e.account.v].owner + ", not to " + who;
    case RejectCode::kProjectWrongIndustry:
      if (e.arg1 == 1) {
        return project(e.account.v) + " needs " + mk.instruments.at(static_cast<std::size_t>(e.arg2)).code +
               " capacity and may bid on " + mk.instruments.at(static_cast<std::size_t>(e.arg2)).code +
               " only, not on " + instrument;
      }
      return project(e.account.v) + " builds " + std::string(to_string(mk.projects[e.account.v].industry)) +
             " capacity; " + instrument + " trades " +
             std::string(to_string(mk.instruments[e.instrument.v].industry));
    case RejectCode::kProjectNotOpen:
      return project(e.account.v) + " is " + std::string(to_string(static_cast<ProjectStatus>(e.arg1))) +
             ": only approved or filed projects may buy";
    case RejectCode::kProjectNeed: {
      // Credited and reserved as they are now: right when the sentence is made as the reject happens.
      const Project& proj = mk.projects[e.account.v];
      const Impl::ProjectState& now = m.projects[e.account.v];
      if (e.arg1 <= 0 && now.credited >= proj.new_capacity) {
        return project(e.account.v) + " has its need met (" + amount(now.credited) + " of new capacity credited of " +
               amount(proj.new_capacity) + "): it takes no more buy orders";
      }
      if (e.arg1 <= 0) {
        return project(e.account.v) + " needs " + amount(proj.new_capacity) + " of new capacity: " +
               amount(now.credited) + " is credited and its open orders reserve the other " +
               amount(now.reserved) + ", so a new order could never fill; cancel or reduce an open order first";
      }
      return project(e.account.v) + " needs " + amount(proj.new_capacity) + " of new capacity, of which " +
             amount(e.arg1) + " is neither credited nor reserved by open orders; the order reserves " +
             amount(e.arg2) + " more of it (its open quantity at the highest ratio a seller can bring to it, " +
             ratio_text(now.highest_ratio) + ")";
    }
    case RejectCode::kCreditsNothing:
      if (e.side == Side::kSell) {
        return "a sell of " + amount(e.qty.v) + " from " + facility(e.account.v) +
               " credits no new capacity to any project that may buy from it, even at the lowest ratio, " +
               ratio_text(static_cast<std::uint32_t>(e.arg2)) + " (credited = floor(qty / ratio)): offer at least " +
               amount(e.arg1);
      }
      return "a buy of " + amount(e.qty.v) + " for " + project(e.account.v) +
             " credits no new capacity even at its lowest ratio, " +
             ratio_text(static_cast<std::uint32_t>(e.arg2)) + " (credited = floor(qty / ratio)): bid at least " +
             amount(e.arg1);
    case RejectCode::kNoRatioRule: {
      const Project& proj = mk.projects[e.account.v];
      return "no ratio rule of " + mk.rules_name + " covers " + std::string(to_string(proj.industry)) +
             " projects in " + mk.regions[m.projects[e.account.v].region].name + ": " + project(e.account.v) +
             " cannot buy";
    }
    case RejectCode::kNoCounterparty: {
      const std::string what = e.side == Side::kSell ? facility(e.account.v) : project(e.account.v);
      return "no registered " + std::string(e.side == Side::kSell ? "project may buy from " : "facility may sell to ") +
             what + " under " + mk.rules_name +
             ": every pair is refused by a transfer rule, has no ratio rule, or has the same owner; the order "
             "could never trade";
    }
    case RejectCode::kUnknownTrade: {
      const std::int64_t last = static_cast<std::int64_t>(m.trade_status.size()) - 1;  // ids from 1
      if (e.arg1 >= 1 && e.arg1 <= last) {
        return "trade record " + n(e.arg1) + " is a revocation's own record: it has no elimination entry to act on";
      }
      if (last < 1) return "no trade " + n(e.arg1) + " to act on: the ledger holds no trade yet";
      return "no trade " + n(e.arg1) + " to act on: the ledger's trade ids run from 1 to " + n(last);
    }
    case RejectCode::kNotRevocable: {
      std::string why;
      switch (static_cast<NotRevocable>(e.arg2)) {
        case NotRevocable::kIsRevocation: why = "it is itself a revocation"; break;
        case NotRevocable::kAlreadyRevoked: why = "it is already revoked"; break;
        case NotRevocable::kStatusMovedOn: why = "its elimination entry has moved on from publicised"; break;
        case NotRevocable::kPeriodOver:
          why = "its publicity period (" + n(mk.exchange.publicity_working_days) + " working days) is over";
          break;
      }
      return "trade " + n(e.arg1) + " may not be revoked: " + why;
    }
    case RejectCode::kStatusNotAllowed: {
      if (e.arg1 == static_cast<std::int64_t>(EliminationStatus::kPublicised) &&
          e.arg2 >= static_cast<std::int64_t>(EliminationStatus::kConfirmed) &&
          e.arg2 <= static_cast<std::int64_t>(EliminationStatus::kDismantled) && in_publicity(TradeId(e.order_id.v))) {
        return "trade " + std::to_string(e.order_id.v) + " is still in its publicity period: its entry moves on "
               "only after the period, or is revoked";
      }
      const bool known = e.arg2 >= 0 && e.arg2 <= static_cast<std::int64_t>(EliminationStatus::kRevoked);
      return "an elimination entry that is " + std::string(to_string(static_cast<EliminationStatus>(e.arg1))) +
             " may not become " +
             (known ? std::string(to_string(static_cast<EliminationStatus>(e.arg2))) : "status " + n(e.arg2)) +
             ": statuses move forward (publicised, confirmed, shut, dismantled), and only a revocation revokes";
    }
    case RejectCode::kInvalidAmendment: {
      const bool fac = e.side == Side::kSell;
      const std::uint64_t max_field = fac ? static_cast<std::uint64_t>(FacilityField::kExpires)
                                          : static_cast<std::uint64_t>(ProjectField::kStatus);
      if (e.arg1 < 1 || static_cast<std::uint64_t>(e.arg1) > max_field) {
        std::string list;
        for (std::uint64_t f = 1; f <= max_field; ++f) {
          list += (list.empty() ? "" : ", ") + field_name(e.side, static_cast<std::int64_t>(f));
        }
        return "no " + std::string(fac ? "facility" : "project") + " field #" + n(e.arg1) + " (fields: " + list + ")";
      }
      if (fac) {
        Facility probe = mk.facilities.at(e.account.v);
        return account(e.side, e.account.v) + ": " + set_field(probe, static_cast<FacilityField>(e.arg1), e.arg2) +
               ", got " + n(e.arg2);
      }
      Project probe = mk.projects.at(e.account.v);
      return account(e.side, e.account.v) + ": " + set_field(probe, static_cast<ProjectField>(e.arg1), e.arg2) +
             ", got " + n(e.arg2);
    }
    case RejectCode::kAmendBelowUsed:
      return e.side == Side::kSell
                 ? account(e.side, e.account.v) + " has sold " + amount(e.arg2) + ": its capacity cannot become " +
                       amount(e.arg1)
                 : account(e.side, e.account.v) + " has been credited " + amount(e.arg2) +
                       ": its need cannot become " + amount(e.arg1);
    case RejectCode::kRegistrationOutOfOrder: {
      const std::size_t configured = e.side == Side::kSell ? mk.facilities.size() : mk.projects.size();
      const std::string what = e.side == Side::kSell ? "facilit" : "project";
      if (static_cast<std::size_t>(e.arg2) >= configured) {
        return "every configured " + what + (e.side == Side::kSell ? "y" : "") + " is registered already";
      }
      return what + (e.side == Side::kSell ? "ies" : "s") + " are registered in configuration order: the next is #" +
             n(e.arg2) + " (" + account(e.side, static_cast<std::uint64_t>(e.arg2)) + "), not #" + n(e.arg1);
    }
    case RejectCode::kBelowBlockMin:
      return "a block trade of " + amount(e.arg1) + " is below " + instrument + "'s block minimum, " +
             amount(e.arg2) + ": trade smaller quantities on the book";
    case RejectCode::kOutsideBlockBand: {
      const std::string band =
          known_instrument ? " (+-" + n(mk.instruments[e.instrument.v].block_band_permille / 10) + "." +
                                 n(mk.instruments[e.instrument.v].block_band_permille % 10) + "% around the reference)"
                           : "";
      return "price " + yuan(e.price.v) + " is outside " + instrument + "'s block trade band " + yuan(e.arg1) +
             " .. " + yuan(e.arg2) + band;
    }
    case RejectCode::kUnknownBlock:
      return "no pending block proposal " + n(e.arg1) +
             ": it was never made, or it was accepted, declined, withdrawn or ended at the close";
    case RejectCode::kNotBlockParty: {
      const std::string may = static_cast<std::size_t>(e.arg2) < mk.participants.size()
                                  ? mk.participants[static_cast<std::size_t>(e.arg2)].id
                                  : "participant #" + n(e.arg2);
      return e.arg1 == 1 ? "block " + std::to_string(e.order_id.v) + " names " + may +
                               " as its counterparty: only " + may + " may accept or decline it, not " + who
                         : "block " + std::to_string(e.order_id.v) + " was proposed by " + may + ": only " + may +
                               " may withdraw it, not " + who;
    }
    case RejectCode::kBlockCounterparty: {
      const auto other_index = static_cast<std::size_t>(e.arg2);
      const std::string other = other_index < mk.participants.size() ? mk.participants[other_index].id
                                                                     : "participant #" + n(e.arg2);
      switch (static_cast<BlockCounterparty>(e.arg1)) {
        case BlockCounterparty::kUnknown:
          return "the counterparty " + other + " is not a registered participant";
        case BlockCounterparty::kProposer:
          return who + " names itself as the counterparty: a block trade is between two participants";
        case BlockCounterparty::kSuspended:
          return "the counterparty " + other + " is suspended by the exchange and may not trade";
        case BlockCounterparty::kWrongSide:
          return "the counterparty " + other + " may not " + (e.side == Side::kSell ? "buy" : "sell") +
                 ": it is registered as a " + (e.side == Side::kSell ? "seller" : "buyer") + " only";
        case BlockCounterparty::kInstrument:
          return "the counterparty " + other + " may not trade " + instrument;
      }
      return describe_reject(e);
    }
    case RejectCode::kBlockPairRefused: {
      const std::string what = "block " + std::to_string(e.order_id.v) + " may not settle with " +
                               account(e.side, e.account.v) + ": ";
      switch (static_cast<BlockRefusal>(e.arg1)) {
        case BlockRefusal::kPairForbidden:
          return what + "the transfer rules or the ratio rules of " + mk.rules_name + " forbid the pair";
        case BlockRefusal::kCreditsNothing:
          return what + amount(e.qty.v) + " at the pair's ratio " + ratio_text(static_cast<std::uint32_t>(e.arg2)) +
                 " credits no new capacity";
        case BlockRefusal::kProjectRoom:
          return what + "the project may take " + amount(e.arg2) +
                 " more credit beside its credit and its open orders' reservations; the block would credit more";
        case BlockRefusal::kRegionCap:
          return what + "the buyer's region may grow by " + amount(e.arg2) +
                 " more under its capacity cap; the block would credit more";
      }
      return describe_reject(e);
    }
    case RejectCode::kDuplicateBlockId:
      return "a pending block proposal already has id " + std::to_string(e.order_id.v);
    case RejectCode::kUnknownAuction:
      return "no auction " + n(e.arg1) + " is configured in the market file (" + n(mk.auctions.size()) +
             " are)";
    case RejectCode::kAuctionNotOpen:
      return std::string("the auction is ") + std::string(to_string(static_cast<AuctionState>(e.arg1))) +
             (e.arg1 == static_cast<std::int64_t>(AuctionState::kAnnounced)
                  ? (e.arg2 == 0 ? ": its bidding window has not opened yet" : ": its bidding window has ended")
                  : ": it takes no bids");
    case RejectCode::kBelowReserve:
      return "bid " + yuan(e.arg1) + " per " + unit + " is below the auction's reserve price " + yuan(e.arg2);
    case RejectCode::kOffIncrement:
      return "bid " + yuan(e.arg1) + " per " + unit + " is not the reserve price plus a whole number of increments of " +
             yuan(e.arg2);
    case RejectCode::kBidNotRaised:
      return project(e.account.v) + " already bids " + yuan(e.arg1) + " per " + unit + " for " + amount(e.arg2) +
             ": a bid may be raised (a higher price or a larger quantity, neither lower), never lowered or repeated";
    case RejectCode::kAuctionBidder:
      switch (static_cast<AuctionBidder>(e.arg1)) {
        case AuctionBidder::kSeller:
          return who + " sells this auction's lot and may not bid on it";
        case AuctionBidder::kNoPair:
          return "the transfer rules or the ratio rules of " + mk.rules_name + " let " + project(e.account.v) +
                 " buy from none of the lot's facilities";
        case AuctionBidder::kAboveLot:
          return "a bid for " + amount(e.qty.v) + " is above the lot of " + amount(e.arg2);
      }
      return describe_reject(e);
    case RejectCode::kNoChange:
      switch (static_cast<NoChange>(e.arg1)) {
        case NoChange::kHalted: return instrument + " is halted already: nothing to do";
        case NoChange::kTrading: return instrument + " is not halted: nothing to resume";
        case NoChange::kSuspended: return who + " is suspended already: nothing to do";
        case NoChange::kActive: return who + " is not suspended: nothing to reinstate";
        case NoChange::kDayClosed: return "today's trading day is closed already, or today is not a trading day";
      }
      return describe_reject(e);
    case RejectCode::kAuctionLot:
      switch (static_cast<AuctionLotRefusal>(e.arg1)) {
        case AuctionLotRefusal::kAlreadyOpen:
          return e.arg2 == 0 ? "the auction is already announced and open: cancel it first to announce it again"
                             : "the auction is not announced and open: there is nothing to cancel";
        case AuctionLotRefusal::kSold:
          return "the auction sold its lot: a lot is auctioned once";
        case AuctionLotRefusal::kWindow:
          return "the bidding window must end after it opens and after the announcement";
        case AuctionLotRefusal::kFacility:
          return facility(static_cast<std::uint64_t>(e.arg2)) +
                 " may not be sold now: not registered, ineligible, or its owner is suspended";
        case AuctionLotRefusal::kCapacity:
          return "the lot's facilities have less unsold, unreserved capacity than the lot takes (the last, " +
                 facility(static_cast<std::uint64_t>(e.arg2)) + ", runs out)";
        case AuctionLotRefusal::kIndivisible:
          return facility(static_cast<std::uint64_t>(e.arg2)) +
                 " is indivisible: the lot must take all its remaining capacity, and none of it may be reserved";
      }
      return describe_reject(e);
    default:
      return describe_reject(e);
  }
}

}  // namespace crix::engine
