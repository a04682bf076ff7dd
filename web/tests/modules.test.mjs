// The console's pure modules under node, without a browser: money and time text (format.js) and the
// feed's state from a snapshot and updates (feed.js, its apply() only: no socket).
//
//   node --test web/tests/modules.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { yuan, yuanText, qty, zoned, timeOf, clock, learnOffset } from '../console/assets/format.js';
import { Feed } from '../console/assets/feed.js';
import { ApiError } from '../console/assets/api.js';
import { errorText, setLanguage } from '../console/assets/i18n.js';
import { niceTicks, timeTicks } from '../console/assets/charts.js';

test('prices in fen show as yuan with two decimals, exactly, also past 2^53 fen', () => {
  assert.equal(yuan(58000), '580.00');
  assert.equal(yuan(58001), '580.01');
  assert.equal(yuan(5), '0.05');
  assert.equal(yuan(0), '0.00');
  assert.equal(yuan(-1250), '-12.50');
  assert.equal(yuan(123456789012), '1,234,567,890.12');
  assert.equal(yuan('90071992547409931'), '900,719,925,474,099.31');
  assert.equal(yuan(null), '—');
  assert.equal(yuan(597.41), '597.41', 'a yuan amount given to yuan() is shown as it is, not as fen');
  assert.equal(yuanText(580), '580.00');
  assert.equal(yuanText(1234967246.94), '1,234,967,246.94');
  assert.equal(yuanText(-3.5), '-3.50');
  assert.equal(qty(1234567), '1,234,567');
  assert.equal(qty(-300), '-300');
  assert.equal(qty(undefined), '—');
});

test('times show in the market zone: the offset is learnt from the API text, China Standard Time until then', () => {
  const ns = 1796374306481000000n;  // 2026-12-04 08:51:46.481 UTC
  assert.equal(zoned(ns), '2026-12-04 16:51:46.481+08:00');
  assert.equal(timeOf({ time: 1, time_text: '2026-12-04 11:40:12.038+08:00' }), '2026-12-04 11:40:12.038+08:00');
  assert.equal(clock('2026-12-04 11:40:12.038+08:00'), '11:40:12');
  learnOffset('2026-12-04 03:40:12.038-05:30');
  assert.equal(zoned(ns), '2026-12-04 03:21:46.481-05:30');
  learnOffset('2026-12-04 11:40:12.038+08:00');
  assert.equal(zoned(0), '—');
});

function feed() {
  const seen = [];
  const f = new Feed({ onChange: (k) => seen.push(k), onStatus: () => {}, onAlert: (a) => seen.push(`alert:${a.text}`) });
  return { f, seen };
}

// A trade as the feed sends it: a row in trade_fields' order.
const kTradeFields = ['type', 'seq', 'id', 'time', 'symbol', 'price', 'qty', 'buyer', 'seller', 'facility', 'project', 'kind'];
const row = ({ seq, id, price, qty }) => ['trade', seq, id, 1733283612038000000, 'STEEL-IRON', price, qty, 'TJ-BOHAI-STEEL', 'HB-TANGSHAN-IRON', 'HB-BF-450', 'TJ-NEW-BF-2500', 'book'];

const snapshot = {
  type: 'snapshot',
  seq: 10,
  instruments: [{ symbol: 'STEEL-IRON', halted: false, phase: 'continuous trading', reference_price: 58000 }],
  books: { 'STEEL-IRON': { bids: [{ price: 57500, qty: 50, orders: 1 }], asks: [{ price: 58000, qty: 300, orders: 1 }, { price: 58100, qty: 10, orders: 2 }] } },
  trade_fields: kTradeFields,
  trades: [row({ id: 1, seq: 9, price: 58000, qty: 100 })],
  sessions: [{ participant: 'HB-TANGSHAN-IRON', comp_id: 'HB-TANGSHAN-IRON', logged_on: true }],
  participants: [{ id: 'HB-TANGSHAN-IRON', status: 'active' }],
};

test('the feed: a snapshot, then book deltas (qty 0 removes a level), trades and state changes in seq order', () => {
  const { f, seen } = feed();
  f.apply(structuredClone(snapshot));
  assert.deepEqual(f.levels('STEEL-IRON').asks.map((l) => [l.price, l.qty]), [[58000, 300], [58100, 10]]);
  f.apply({ type: 'book', seq: 11, symbol: 'STEEL-IRON', bids: [{ price: 57600, qty: 20, orders: 1 }], asks: [{ price: 58000, qty: 0, orders: 0 }] });
  const { bids, asks } = f.levels('STEEL-IRON');
  assert.deepEqual(bids.map((l) => l.price), [57600, 57500], 'bids best first');
  assert.deepEqual(asks.map((l) => [l.price, l.qty]), [[58100, 10]]);
  f.apply(row({ seq: 12, id: 2, price: 58100, qty: 10 }));
  f.apply({ type: 'instrument', seq: 13, symbol: 'STEEL-IRON', halted: true });
  f.apply({ type: 'participant', seq: 13, id: 'HB-TANGSHAN-IRON', status: 'suspended' });
  f.apply({ type: 'session', seq: 13, participant: 'HB-TANGSHAN-IRON', comp_id: 'HB-TANGSHAN-IRON', logged_on: false });
  f.apply({ type: 'alert', seq: 14, level: 'warning', text: 'exchange busy' });
  assert.deepEqual(f.trades.map((t) => t.id), [1, 2]);
  assert.deepEqual(f.trades[1], { seq: 12, id: 2, time: 1733283612038000000, symbol: 'STEEL-IRON', price: 58100, qty: 10,
    buyer: 'TJ-BOHAI-STEEL', seller: 'HB-TANGSHAN-IRON', facility: 'HB-BF-450', project: 'TJ-NEW-BF-2500', kind: 'book' },
  'a row named by the snapshot\'s trade_fields, the message type not kept');
  assert.equal(f.trades[0].price, 58000, 'the snapshot\'s rows are named too');
  assert.equal(f.instruments.get('STEEL-IRON').halted, true);
  assert.equal(f.instruments.get('STEEL-IRON').reference_price, 58000, 'an update keeps the fields it does not carry');
  assert.equal(f.participants.get('HB-TANGSHAN-IRON').status, 'suspended');
  assert.equal([...f.sessions.values()][0].logged_on, false);
  assert.deepEqual(seen, ['all', 'book', 'trade', 'instrument', 'participant', 'session', 'alert:exchange busy', 'alert']);
});

test('the feed: an updates message applies its events in order and tells each kind once', () => {
  const { f, seen } = feed();
  f.apply(structuredClone(snapshot));
  f.apply({
    type: 'updates',
    events: [
      row({ seq: 11, id: 2, price: 58000, qty: 100 }),
      { type: 'book', seq: 11, symbol: 'STEEL-IRON', bids: [], asks: [{ price: 58000, qty: 200, orders: 1 }] },
      row({ seq: 12, id: 3, price: 58000, qty: 200 }),
      { type: 'book', seq: 12, symbol: 'STEEL-IRON', bids: [], asks: [{ price: 58000, qty: 0, orders: 0 }] },
      { type: 'book', seq: 8, symbol: 'STEEL-IRON', bids: [], asks: [{ price: 58000, qty: 999, orders: 1 }] },
    ],
  });
  assert.deepEqual(f.trades.map((t) => t.id), [1, 2, 3]);
  assert.deepEqual(f.levels('STEEL-IRON').asks.map((l) => [l.price, l.qty]), [[58100, 10]], 'the stale level is ignored');
  assert.equal(f.seq, 12);
  assert.deepEqual(seen, ['all', 'trade', 'book']);
});

test('the feed ignores an update older than what it shows, and a new snapshot replaces everything', () => {
  const { f } = feed();
  f.apply(structuredClone(snapshot));
  f.apply({ type: 'book', seq: 9, symbol: 'STEEL-IRON', bids: [], asks: [{ price: 58000, qty: 0, orders: 0 }] });
  assert.equal(f.levels('STEEL-IRON').asks[0].qty, 300);
  f.apply({ type: 'snapshot', seq: 20, instruments: [], books: {}, trades: [], sessions: [], participants: [] });
  assert.deepEqual(f.levels('STEEL-IRON'), { bids: [], asks: [] });
  assert.equal(f.trades.length, 0);
  assert.equal(f.seq, 20);
});

test('the feed: a revocation marks the trade it names revoked, as a later snapshot\'s row has it', () => {
  const { f, seen } = feed();
  const fields = [...kTradeFields, 'revoked'];
  f.apply({ ...structuredClone(snapshot), trade_fields: fields, trades: [[...row({ id: 1, seq: 9, price: 58000, qty: 100 }), false]] });
  f.apply([...row({ seq: 11, id: 2, price: 58100, qty: 10 }), false]);
  assert.deepEqual(f.trades.map((t) => t.revoked), [false, false]);
  f.apply({ type: 'updates', events: [{ type: 'revocation', seq: 12, id: 3, time: 1733283612038000000, trade: 1 }] });
  assert.deepEqual(f.trades.map((t) => [t.id, t.revoked]), [[1, true], [2, false]], 'the row stays, marked');
  f.apply({ type: 'revocation', seq: 13, id: 4, time: 1733283612038000000, trade: 99 });  // not kept: nothing to mark
  assert.equal(f.trades.length, 2);
  assert.deepEqual(seen, ['all', 'trade', 'revocation', 'revocation']);
});

test('the feed: auctions from the snapshot, each update replacing its auction whole', () => {
  const { f, seen } = feed();
  f.apply({ ...structuredClone(snapshot), auctions: [{ index: 0, id: 'AU-HB-450', state: 'configured', ranking: [] }] });
  assert.equal(f.auctions.get(0).state, 'configured');
  f.apply({ type: 'auction', seq: 11, index: 0, id: 'AU-HB-450', state: 'announced',
    ranking: [{ price: 56000, qty: 300000, seq: 11 }] });
  assert.equal(f.auctions.get(0).state, 'announced');
  assert.deepEqual(f.auctions.get(0).ranking.map((b) => b.price), [56000]);
  assert.equal(f.auctions.get(0).type, undefined, 'the message type is not kept in the auction');
  f.apply({ type: 'auction', seq: 12, index: 0, id: 'AU-HB-450', state: 'canceled', ranking: [] });
  assert.deepEqual(f.auctions.get(0).ranking, [], 'an update replaces the ranking, never merges it');
  assert.deepEqual(seen, ['all', 'auction', 'auction']);
});

test('an API error reads in the page\'s language by its code, the server\'s text after it', () => {
  const rejected = new ApiError(422, 'rejected', 'trade 999999 does not exist');
  setLanguage('zh');
  assert.equal(errorText(rejected), '被市场规则拒绝（服务器说明：trade 999999 does not exist）');
  assert.equal(errorText(new ApiError(403, 'forbidden', '/api/v1/actions/halt needs the operator role; miit is regulator')),
    '当前角色无权执行此操作（服务器说明：/api/v1/actions/halt needs the operator role; miit is regulator）');
  assert.equal(errorText(new ApiError(0, 'unreachable', 'Failed to fetch')), '交易所无法连接', 'no browser words as the detail');
  assert.equal(errorText(new ApiError(401, 'unauthorized', 'user or password wrong'), { unauthorized: 'login_wrong' }),
    '用户名或密码错误（服务器说明：user or password wrong）');
  assert.equal(errorText(new ApiError(418, '418', 'teapot')), '错误 418（服务器说明：teapot）', 'an unknown code says its status');
  setLanguage('en');
  assert.equal(errorText(rejected), 'Refused by a market rule (the server said: trade 999999 does not exist)');
  for (const code of ['bad_request', 'unauthorized', 'forbidden', 'not_found', 'method_not_allowed', 'too_large', 'too_many', 'unavailable']) {
    assert.doesNotMatch(errorText(new ApiError(400, code, 'x')), /^Error/, `${code} has a sentence`);
  }
  setLanguage('zh');
});

test('chart ticks fall on round values: 1, 2 or 5 times a power of ten, whole units, times on the market\'s clock', () => {
  assert.deepEqual(niceTicks(0, 1000), [0, 200, 400, 600, 800, 1000]);
  assert.deepEqual(niceTicks(57130, 58870, 4), [57500, 58000, 58500], 'fen: 575.00, 580.00, 585.00 yuan');
  assert.deepEqual(niceTicks(0, 3), [0, 1, 2, 3], 'never half a tonne or half a fen');
  assert.deepEqual(niceTicks(5, 5), [5]);
  for (let seed = 1; seed < 2000; seed += 1) {
    const lo = (seed * 7919) % 1000003;
    const hi = lo + 1 + ((seed * 104729) % 9000000);
    const ticks = niceTicks(lo, hi, 5);
    assert.ok(ticks.length >= 1 && ticks.length <= 6, `${lo}..${hi}: ${ticks}`);
    assert.ok(ticks[0] >= lo && ticks.at(-1) <= hi, `${lo}..${hi}: ${ticks}`);
    if (ticks.length > 1) {
      const step = ticks[1] - ticks[0];
      assert.ok([1, 2, 5].includes(step / 10 ** Math.floor(Math.log10(step))), `${lo}..${hi}: step ${step}`);
      assert.ok(ticks.every((v, i) => v === ticks[0] + i * step && v % step === 0), `${lo}..${hi}: ${ticks}`);
    }
  }
  // 10:07:13 to 10:52:00 in China Standard Time: every ten minutes of the market's clock.
  const at = (h, m, s = 0) => Date.UTC(2026, 11, 4, h - 8, m, s);
  assert.deepEqual(timeTicks(at(10, 7, 13), at(10, 52), 5, 8 * 3600000), [10, 20, 30, 40, 50].map((m) => at(10, m)));
  // A minute: every fifteen seconds.
  assert.deepEqual(timeTicks(at(9, 30, 0), at(9, 31, 0), 5, 8 * 3600000), [0, 15, 30, 45, 60].map((s) => at(9, 30, s)));
  // Whole hours of the market's clock, not of UTC, in a zone half an hour off.
  const ticks = timeTicks(Date.UTC(2026, 11, 4, 0, 0), Date.UTC(2026, 11, 4, 9, 0), 5, 330 * 60000);
  assert.ok(ticks.every((t) => (t + 330 * 60000) % 7200000 === 0), String(ticks));
});
