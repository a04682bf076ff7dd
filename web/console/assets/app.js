// The console's page: who is logged in, the panels, the operator's controls and the regulator's
// queries. Reads only the API (docs/API.md); live state comes from the feed (feed.js) for operators and
// regulators, polled reads for the public view. Every panel is re-rendered from the state on a frame
// after a change, so a burst of feed messages costs one render.
import { api, query, ApiError, onReach } from './api.js';
import { Feed } from './feed.js';
import { h, fill, $, $$ } from './dom.js';
import { t, column, listName, language, setLanguage, translateStatic, errorText, qtyUnit, priceUnit } from './i18n.js';
import { yuan, yuanText, qty, timeOf, clock, millis, marketDay, bytes, learnOffset, zoned, utcOffsetText } from './format.js';
import { depthChart, priceChart, capBars, progressBar } from './charts.js';

const kBookDepth = 10;
const kTapeRows = 200;
const kElimPage = 200;
const STATUSES = ['publicised', 'confirmed', 'shut', 'dismantled', 'revoked'];
const INDUSTRIES = ['steel', 'cement', 'glass', 'aluminium'];

const state = {
  me: { user: null, role: 'public' },
  tab: 'market',
  symbol: localStorage.getItem('crix-symbol') || '',
  polled: [],      // instruments from GET /instruments, while the feed does not give them
  auctions: [],    // GET /auctions, while the feed does not give them (the public view)
  daily: [],
  status: null,
  audit: [],
  elim: { rows: [], nextAfter: null, more: 0, sort: null, desc: false, params: {} },
  regions: null,
  orders: { symbol: '', items: [] },  // L3 of the picked instrument, operators only
  feedState: 'off',
  // Whether crixd answers (api.js onReach): 'up', 'down' (since downSince; the page shows what it had
  // at lastOk) or 'recovered' (for kRecoveredShown after it answered again, at upAt).
  reach: { state: 'up', lastOk: Date.now(), downSince: null, upAt: null },
};
const kRecoveredShown = 10000;

const feed = new Feed({
  onChange: (kind) => schedule(kind),
  onStatus: (s) => {
    state.feedState = s;
    schedule('feed');
    if (s === 'reconnecting') refresh();  // is crixd gone, or only the socket? the polled reads tell
  },
  onAlert: (a) => showAlert(a.level, a.text),
});

const staff = () => state.me.role === 'operator' || state.me.role === 'regulator';
const operator = () => state.me.role === 'operator';

// ---- rendering -------------------------------------------------------------------------------------

// What each panel is drawn from: a change of that kind (a feed message's type, or a polled read that
// came back different) redraws it on the next frame; 'all' redraws everything.
const PANELS = [
  [['feed'], () => renderFeedStatus()],
  [['reach'], () => renderReach()],
  [['instrument', 'instruments'], () => renderInstruments()],
  [['daily', 'instruments'], () => renderDaily()],
  [['auction', 'auctions'], () => renderAuctions()],
  [['instrument', 'instruments'], () => staff() && renderPicker()],
  [['book', 'orders', 'instrument', 'instruments', 'picked'], () => staff() && renderBook()],
  [['trade', 'revocation'], () => staff() && renderTape()],
  [['trade', 'instrument', 'instruments', 'picked'], () => staff() && renderIntraday()],
  [['status', 'daily'], () => staff() && renderHealth()],
  [['session', 'logons'], () => staff() && renderSessions()],
  [['participant'], () => staff() && renderParticipants()],
  [['audit'], () => staff() && renderAudit()],
  [['regions'], () => staff() && renderRegions()],
  [['elimination', 'instruments'], () => renderElimination()],
];

const dirty = new Set();
function schedule(kind = 'all') {
  const first = dirty.size === 0;
  dirty.add(kind);
  if (!first) return;
  requestAnimationFrame(() => {
    const kinds = new Set(dirty);
    dirty.clear();
    for (const [on, draw] of PANELS) if (kinds.has('all') || on.some((k) => kinds.has(k))) draw();
  });
}

// Stores a polled read and redraws its panels only when it changed.
function store(key, value, kind) {
  if (JSON.stringify(state[key]) === JSON.stringify(value)) return;
  state[key] = value;
  schedule(kind);
}

function renderFeedStatus() {
  const fs = $('[data-testid="feed-status"]');
  fs.dataset.state = state.feedState;
  fs.textContent = staff() ? t('feed_' + state.feedState) : '';
}

// Every role's sign that the exchange cannot be reached (the public polls; staff also lose the feed):
// what the page shows is then as of the last answer, and it says so until crixd answers again.
let recoveredTimer = null;
onReach((ok) => {
  const r = state.reach;
  const now = Date.now();
  if (ok) {
    r.lastOk = now;
    if (r.state !== 'down') return;
    r.state = 'recovered';
    r.upAt = now;
    clearTimeout(recoveredTimer);
    recoveredTimer = setTimeout(() => {
      if (state.reach.state === 'recovered') state.reach.state = 'up';
      schedule('reach');
    }, kRecoveredShown);
    schedule('reach');
    refresh();
    loadElimination();
    return;
  }
  if (r.state === 'down') return;
  r.state = 'down';
  r.downSince = now;
  clearTimeout(recoveredTimer);
  schedule('reach');
});

function marketClock(ms) {
  return clock(zoned(BigInt(ms) * 1000000n));
}

function renderReach() {
  const r = state.reach;
  const el = $('[data-testid="reachability"]');
  el.dataset.state = r.state;
  document.body.dataset.reach = r.state;
  el.hidden = r.state === 'up';
  el.textContent = r.state === 'down' ? t('unreachable', marketClock(r.lastOk), marketClock(r.downSince))
    : r.state === 'recovered' ? t('reachable_again', marketClock(r.upAt)) : '';
}

function instruments() {
  return feed.instruments.size > 0 ? [...feed.instruments.values()] : state.polled;
}

function table(testid, head, rows) {
  const el = $(`[data-testid="${testid}"]`);
  fill(el.tHead, h('tr', {}, head.map((c) => (c instanceof Node ? c : h('th', {}, c)))));
  fill(el.tBodies[0], rows);
}

function cell(text, cls) {
  return h('td', cls ? { class: cls } : {}, text);
}

function phaseText(i) {
  return t(i.phase || '—');
}

function renderInstruments() {
  const head = [t('symbol'), t('industry'), t('phase'), t('state'), t('last'), t('reference'), t('band'), t('volume'), t('value')];
  if (operator()) head.push(t('operator_actions'));
  const rows = instruments().map((i) => h('tr', { 'data-testid': `instrument-row-${i.symbol}`, class: i.halted ? 'halted' : '' },
    cell(i.symbol),
    cell(t(i.industry)),
    h('td', { 'data-testid': `phase-${i.symbol}` }, phaseText(i)),
    h('td', { 'data-testid': `halted-${i.symbol}`, 'data-halted': i.halted ? 'true' : 'false', class: i.halted ? 'bad' : 'good' },
      i.halted ? t('halted') : t('trading')),
    cell(i.last_price ? yuan(i.last_price) : '—', 'num'),
    cell(yuan(i.reference_price), 'num'),
    cell(i.band_low || i.band_high ? `${yuan(i.band_low)} – ${yuan(i.band_high)}` : '—', 'num'),
    h('td', { class: 'num', 'data-testid': `volume-${i.symbol}` }, withUnit(i.volume, i.unit)),
    cell(yuan(i.value), 'num'),
    operator() ? h('td', {}, i.halted
      ? h('button', { type: 'button', 'data-testid': `op-resume-${i.symbol}`, onclick: () => act('resume', { symbol: i.symbol }, t('confirm_resume', i.symbol), false) }, t('resume'))
      : h('button', { type: 'button', class: 'danger', 'data-testid': `op-halt-${i.symbol}`, onclick: () => act('halt', { symbol: i.symbol }, t('confirm_halt', i.symbol), true) }, t('halt'))) : null));
  table('instruments', head, rows);
}

function auctions() {
  return feed.auctions.size > 0 ? [...feed.auctions.values()].sort((a, b) => a.index - b.index) : state.auctions;
}

// The auctions: terms, state, window, the ranking (best first; bidders for operators and regulators
// only, as the API gives them) and the result. Operators cancel an announced one from its row and
// announce one with the form below.
function renderAuctions() {
  const list = auctions();
  const head = [t('auction'), t('symbol'), t('seller'), t('lot'), t('reserve_yuan'), t('increment_yuan'), t('pricing'), t('state'), t('window'), t('ranking'), t('result')];
  if (operator()) head.push(t('operator_actions'));
  const ranking = (a) => (a.ranking.length === 0 ? h('span', { class: 'muted' }, t('no_bids'))
    : h('ol', { class: 'ranking' }, a.ranking.map((b) => h('li', { 'data-testid': `auction-bid-${a.id}` },
      `${yuan(b.price)} × ${withUnit(b.qty, unitOf(a.symbol))}`, b.bidder ? ` · ${b.bidder} / ${b.project}` : '',
      b.won ? ` · ${t('sold')} ${withUnit(b.won, unitOf(a.symbol))}` : '', b.time_text ? ` · ${clock(b.time_text)}` : ''))));
  const result = (a) => (a.state === 'sold' ? `${withUnit(a.sold, unitOf(a.symbol))} @ ${yuan(a.price)}` + (a.allocations.length ? ` (${a.allocations.map((x) => x.trade).join(', ')})` : '') : '—');
  table('auctions', head, list.map((a) => h('tr', { 'data-testid': `auction-row-${a.id}`, 'data-state': a.state },
    cell(a.id), cell(a.symbol), cell(a.seller), cell(withUnit(a.qty, unitOf(a.symbol)), 'num'), cell(yuan(a.reserve), 'num'), cell(yuan(a.increment), 'num'),
    cell(t(a.pricing)),
    h('td', { 'data-testid': `auction-state-${a.id}`, class: a.state === 'announced' ? 'good' : a.state === 'canceled' ? 'bad' : '' }, t(a.state)),
    h('td', { 'data-testid': `auction-window-${a.id}` }, a.opens_text ? `${a.opens_text.slice(0, 16)} – ${a.closes_text.slice(0, 16)}` : '—'),
    h('td', {}, ranking(a)), cell(result(a)),
    operator() ? h('td', {}, a.state === 'announced'
      ? h('button', { type: 'button', class: 'danger', 'data-testid': `op-auction-cancel-${a.id}`, onclick: () => act('auction-cancel', { auction: a.id }, t('confirm_cancel_auction', a.id), true) }, t('cancel_auction'))
      : null) : null)));
  if (operator()) {
    const pick = $('[data-testid="auction-pick"]');
    const ids = list.filter((a) => a.state !== 'announced' && a.state !== 'sold').map((a) => a.id);
    if ([...pick.options].map((o) => o.value).join() !== ids.join()) fill(pick, ids.map((id) => h('option', { value: id }, id)));
  }
}

function renderDaily() {
  const rows = state.daily;
  const keys = rows.length ? columns(rows) : ['day', 'instrument', 'trades', 'volume_t', 'value_yuan', 'open', 'high', 'low', 'close_vwap'];
  table('daily', keys.map(column), rows.map((r) => h('tr', {}, rowCells(r, keys))));
}

function renderPicker() {
  const picker = $('[data-testid="instrument-picker"]');
  const symbols = instruments().map((i) => i.symbol);
  if (!symbols.includes(state.symbol) && symbols.length) state.symbol = symbols[0];
  const have = [...picker.options].map((o) => o.value);
  if (have.join() !== symbols.join()) fill(picker, symbols.map((s) => h('option', { value: s }, s)));
  picker.value = state.symbol;
}

function renderBook() {
  const { bids, asks } = feed.levels(state.symbol);
  const a = asks.slice(0, kBookDepth).reverse();
  const b = bids.slice(0, kBookDepth);
  const rows = [
    ...a.map((l) => h('tr', { class: 'ask', 'data-testid': 'book-ask', 'data-price': l.price, 'data-qty': l.qty },
      cell(''), cell(''), cell(yuan(l.price), 'num price'), cell(qty(l.qty), 'num'), cell(l.orders, 'num'))),
    ...b.map((l) => h('tr', { class: 'bid', 'data-testid': 'book-bid', 'data-price': l.price, 'data-qty': l.qty },
      cell(l.orders, 'num'), cell(qty(l.qty), 'num'), cell(yuan(l.price), 'num price'), cell(''), cell(''))),
  ];
  if (rows.length === 0) rows.push(h('tr', {}, h('td', { colspan: 5, class: 'muted' }, t('no_orders'))));
  const unit = qtyUnit(unitOf(state.symbol));  // the book's quantities are of one instrument: said once
  const qtyHead = (side) => (unit ? t('axis', `${side} ${t('qty')}`, unit) : `${side} ${t('qty')}`);
  table('book', [t('orders'), qtyHead(t('bid')), t('price_yuan'), qtyHead(t('ask')), t('orders')], rows);
  fill($('[data-testid="depth"]'), depthChart(bids, asks, t, chartUnits(state.symbol)));
  if (operator()) {
    const items = state.orders.symbol === state.symbol ? state.orders.items : [];
    table('book-orders', [t('order_id'), t('side'), t('price_yuan'), unit ? t('axis', t('qty'), unit) : t('qty'), t('participant'), t('account'), t('time')],
      items.map((o) => h('tr', { 'data-testid': 'book-order', 'data-order': o.id, 'data-side': o.side },
        cell(o.id, 'num'), cell(o.side === 'buy' ? t('bid') : t('ask'), o.side === 'buy' ? 'good' : 'bad'), cell(yuan(o.price), 'num'),
        cell(qty(o.qty), 'num'), cell(o.participant), cell(o.account), cell(clock(timeOf(o, 'entered'))))));
  }
}

function todaysTrades(symbol) {
  const today = marketDay();
  return feed.trades.filter((tr) => tr.symbol === symbol && timeOf(tr).slice(0, 10) === today);
}

// The day's trades as they were made, newest first; one an operator revoked since is struck through
// with a badge (it still counts in the day's statistics: those are the executions as they happened).
function renderTape() {
  const trades = feed.trades.slice(-kTapeRows).reverse();
  // Each side's participant over its account, in one column that wraps: nine columns of ids were
  // wider than the card, and the trade id (and its badge) went out of sight.
  const party = (who, account) => h('td', { class: 'party' }, who ?? '—', h('br'), h('span', { class: 'muted' }, account ?? '—'));
  table('tape', [t('trade'), t('time'), t('symbol'), t('price_yuan'), t('qty'), `${t('seller')} / ${t('facility')}`, `${t('buyer')} / ${t('project')}`],
    trades.map((tr) => h('tr', { 'data-testid': 'tape-row', 'data-trade': tr.id, 'data-symbol': tr.symbol,
      'data-revoked': tr.revoked ? 'true' : 'false', class: tr.revoked ? 'revoked' : '' },
    h('td', { class: 'num' }, String(tr.id), tr.revoked ? h('span', { class: 'badge revoked', 'data-testid': 'revoked-badge' }, t('revoked')) : null),
    cell(clock(timeOf(tr))), cell(tr.symbol, 'wrap'), cell(yuan(tr.price), 'num'), cell(withUnit(tr.qty, unitOf(tr.symbol)), 'num'),
    party(tr.seller, tr.facility), party(tr.buyer, tr.project))));
}

function renderIntraday() {
  const i = instruments().find((x) => x.symbol === state.symbol);
  const trades = todaysTrades(state.symbol).map((tr) => ({ ms: millis(tr.time), price: tr.price, qty: tr.qty }));
  const label = (ms) => clock(timeOf({ time: BigInt(Math.round(ms)) * 1000000n }));
  fill($('[data-testid="intraday"]'), priceChart(trades, i ? i.reference_price : 0, t, label, chartUnits(state.symbol)));
}

// An instrument's unit as the API names it ("t", "weight box"), from the instruments list.
function unitOf(symbol) {
  return instruments().find((i) => i.symbol === symbol)?.unit;
}

// The units a chart of `symbol` names on its axes, in the page's language.
function chartUnits(symbol) {
  const unit = unitOf(symbol);
  return { price: priceUnit(unit), qty: qtyUnit(unit), time: t('time_axis', utcOffsetText()) };
}

// The unit of an industry's capacity: its instruments' (the region and project views name an industry
// as the views print it, "flat glass", or as the market file does, "glass").
const INDUSTRY_KEYS = { 'cement clinker': 'cement', 'flat glass': 'glass', 'electrolytic aluminium': 'aluminium' };
function industryUnit(industry) {
  const key = INDUSTRY_KEYS[industry] ?? industry;
  return instruments().find((i) => (INDUSTRY_KEYS[i.industry] ?? i.industry) === key)?.unit;
}

// The exchange's health (GET /api/v1/status, polled). Its counters (commands, trades) run from crixd's
// start; the day's trades are the ledger's daily statistics (state.daily, GET /api/v1/ledger/daily),
// which a restart does not reset. `accepting` is whether an order would be accepted now: crixd ready
// and the session in continuous trading.
function renderHealth() {
  const s = state.status;
  const dl = $('[data-testid="health"]');
  if (!s) return fill(dl);
  const item = (key, value, testid) => [h('dt', {}, t(key)), h('dd', testid ? { 'data-testid': testid } : {}, value)];
  const why = s.accepting ? '' : t('because', !s.ready && s.not_ready ? s.not_ready : t(s.phase || '—'));
  const today = state.daily.reduce((n, r) => n + (typeof r.trades === 'number' ? r.trades : 0), 0);
  fill(dl,
    [h('dt', {}, t('accepting')), h('dd', { 'data-testid': 'health-accepting', 'data-accepting': String(Boolean(s.accepting)), class: s.accepting ? 'good' : 'bad' },
      (s.accepting ? t('yes') : t('no')) + why)],
    item('phase', t(s.phase || '—'), 'health-phase'),
    item('seq', s.seq, 'health-seq'),
    item('uptime', duration(s.uptime_s)),
    item('trades_today', qty(today), 'health-trades-today'),
    item('trades_since_start', qty(s.trades), 'health-trades-since-start'),
    item('commands_since_start', qty(s.commands)),
    item('chain_head', (s.chain_head || '—').slice(0, 16)),
    item('ledger_size', bytes(s.ledger_bytes)),
    item('queues', `${s.inbound_depth ?? '—'} / ${s.batch_depth ?? '—'}`),
    item('last_commit', s.last_commit_us ?? '—'),
    item('last_error', s.last_error || t('none'), 'health-error'));
}

function duration(sec) {
  if (sec === null || sec === undefined) return '—';
  const s = Math.floor(sec);
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m ${String(s % 60).padStart(2, '0')}s`;
}

// The sessions from the feed; their failed logons and back-off (no feed update: a failed logon commits
// nothing) from GET /api/v1/sessions, polled while the exchange tab shows (state.logons). The feed
// sends a session at its logon and logout only, so its last-seen time and message counts are those of
// that moment; the poll's are live, and are shown while they are of the same logon (same `since`).
function renderSessions() {
  const rows = [...feed.sessions.values()].sort((a, b) => (a.participant || '').localeCompare(b.participant || ''));
  const logons = new Map((state.logons ?? []).map((s) => [s.participant, s]));
  table('sessions', [t('participant'), t('comp_id'), t('logged_on'), t('since'), t('last_seen'), t('messages_in'), t('messages_out'), t('stalled'), t('refused'), t('failed_logons'), t('blocked_until')],
    rows.map((s) => {
      const l = logons.get(s.participant) ?? {};
      const live = l.since === s.since && l.last_seen !== undefined ? l : s;
      return h('tr', { 'data-testid': `session-row-${s.participant}` },
        cell(s.participant), cell(s.comp_id), cell(s.logged_on ? t('yes') : t('no'), s.logged_on ? 'good' : 'muted'),
        cell(s.since ? timeOf(s, 'since') : '—'), cell(live.last_seen ? timeOf(live, 'last_seen') : '—'),
        h('td', { class: 'num', 'data-testid': `session-in-${s.participant}` }, qty(live.messages_in)),
        cell(qty(live.messages_out), 'num'), cell(qty(s.stalled), 'num'), cell(qty(s.refused), 'num'),
        h('td', { class: l.failed_logons > 0 ? 'num bad' : 'num', 'data-testid': `session-failed-${s.participant}` }, qty(l.failed_logons ?? 0)),
        h('td', { class: l.blocked_until ? 'bad' : '', 'data-testid': `session-blocked-${s.participant}` }, l.blocked_until ? timeOf(l, 'blocked_until') : '—'));
    }));
}

function renderParticipants() {
  const rows = [...feed.participants.values()].sort((a, b) => a.id.localeCompare(b.id));
  const head = [t('participant'), t('name'), t('status'), t('open_orders'), t('logged_on')];
  if (operator()) head.push(t('operator_actions'));
  table('participants', head, rows.map((p) => h('tr', { 'data-testid': `participant-row-${p.id}` },
    cell(p.id), cell(p.name), h('td', { 'data-testid': `participant-status-${p.id}`, class: p.status === 'suspended' ? 'bad' : '' }, t(p.status)),
    cell(p.open_orders, 'num'), cell(p.logged_on ? t('yes') : t('no')),
    operator() ? h('td', {}, p.status === 'suspended'
      ? h('button', { type: 'button', 'data-testid': `op-reinstate-${p.id}`, onclick: () => act('reinstate', { participant: p.id }, t('confirm_reinstate', p.id), false) }, t('reinstate'))
      : h('button', { type: 'button', class: 'danger', 'data-testid': `op-suspend-${p.id}`, onclick: () => act('suspend', { participant: p.id }, t('confirm_suspend', p.id), true) }, t('suspend'))) : null)));
}

function renderAudit() {
  const rows = state.audit.slice().reverse();
  const keys = rows.length ? columns(rows) : ['seq', 'time', 'operator', 'command', 'result'];
  table('audit', keys.map(column), rows.map((r) => h('tr', {}, rowCells(r, keys))));
}

function regionRows(r) {
  return r?.regions ?? r?.items ?? [];
}

function renderRegions() {
  const r = state.regions;
  const rows = regionRows(r);
  const bars = rows.map((x) => ({ label: `${x.region ?? x.code} · ${t(x.industry)}`, value: x.capacity_t ?? 0, cap: x.cap_t, unit: qtyUnit(industryUnit(x.industry)) }));
  // Capped rows first: they are what the regulator watches.
  bars.sort((a, b) => (a.cap == null) - (b.cap == null));
  fill($('[data-testid="regions"]'), rows.length ? capBars(bars, t) : h('p', { class: 'muted' }, '—'));
  const prov = r?.provinces ?? [];
  const keys = columns(prov);
  table('provinces', keys.map(column), prov.map((p) => h('tr', {}, rowCells(p, keys))));
}

// The columns of API rows: every key, except an `X_text` beside its `X` (the text is shown in X's column).
function columns(rows) {
  const keys = rows.length ? Object.keys(rows[0]) : [];
  return keys.filter((k) => !(k.endsWith('_text') && keys.includes(k.slice(0, -5))));
}

// A row's cells; its quantities in the row's unit (rowUnit), or `fallback`'s when the row names none.
function rowCells(r, keys, fallback) {
  const unit = rowUnit(r, fallback);
  return keys.map((k) => {
    const v = typeof r[k + '_text'] === 'string' ? r[k + '_text'] : r[k];
    return cell(format(k, v, unit), typeof v === 'number' ? 'num' : '');
  });
}

// The unit (as the API names it) of a ledger row's quantities: its instrument's, else its industry's,
// else `fallback` (what the view knows: a lookup's facility or project, the list's industry filter).
// The ledger's quantity fields end in _t whatever the unit: flat glass is counted in weight boxes.
function rowUnit(r, fallback) {
  const symbol = r?.instrument ?? r?.symbol;
  return (symbol && unitOf(symbol)) || (r?.industry && industryUnit(r.industry)) || fallback;
}

// A quantity with its unit ("1,000 吨", "100,000 weight boxes"); without one when it is not known.
function withUnit(n, unit) {
  if (n === null || n === undefined) return '—';
  const u = qtyUnit(unit);
  return u ? `${qty(n)} ${u}` : qty(n);
}

// What a column of quantities whose rows name no unit is counted in: the instruments' units, the most
// used first ("吨；平板玻璃为重量箱").
function unitsNote() {
  const byUnit = new Map();
  for (const i of instruments()) byUnit.set(i.unit, [...(byUnit.get(i.unit) ?? []), i.industry]);
  const units = [...byUnit.entries()].sort((a, b) => b[1].length - a[1].length);
  if (units.length === 0) return '';
  const others = units.slice(1).map(([u, industries]) => t('unit_of_industry', [...new Set(industries)].map((x) => t(x)).join('、'), qtyUnit(u)));
  return others.length ? t('units_note', qtyUnit(units[0][0]), others.join(t('list_sep'))) : t('because', qtyUnit(units[0][0]));
}

// Fields the ledger's reports (crix ledger daily, report, trades) give in yuan.
const YUAN_KEYS = /(_yuan|^open|^high|^low|^close(_vwap)?|^prev_close|^change)$/;

// A value of a ledger row as text: quantities (`*_t`) grouped, with `unit` when given; statuses and
// industries translated.
function format(key, v, unit) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'number' && key.endsWith('_t')) return withUnit(v, unit);
  if (typeof v === 'number' && (key === 'price' || key === 'value')) return yuan(v);  // fen
  if (typeof v === 'number' && YUAN_KEYS.test(key)) return yuanText(v);  // the ledger's reports, in yuan
  if (typeof v === 'number' && key === 'time') return timeOf({ time: v });
  if (key === 'status' || key === 'industry') return t(v);
  if (typeof v === 'string') learnOffset(v);
  return String(v);
}

// ---- the elimination list ---------------------------------------------------------------------------

function elimParams() {
  const form = $('[data-testid="elim-filters"]');
  return { status: form.status.value, industry: form.industry.value, region: form.region.value.trim() };
}

async function loadElimination(append = false) {
  const e = state.elim;
  if (!append) e.params = elimParams();
  const params = { ...e.params, limit: kElimPage };
  if (append && e.nextAfter !== null) params.after = e.nextAfter;
  try {
    const page = await api('/api/v1/ledger/elimination' + query(params));
    e.rows = append ? e.rows.concat(page.items) : page.items;
    e.nextAfter = page.next_after ?? null;
    e.more = page.more ?? 0;
    $('[data-testid="elim-csv"]').href = '/api/v1/ledger/elimination' + query({ ...e.params, format: 'csv' });
  } catch (err) {
    // A refused filter shows no rows: the old ones under the new filter read as its answer, and the CSV
    // link would download the refusal.
    if (!append) {
      e.rows = [];
      e.nextAfter = null;
      e.more = 0;
      $('[data-testid="elim-csv"]').removeAttribute('href');
    }
    toast(t('failed', errorText(err)), 'bad');
  }
  schedule('elimination');
}

function renderElimination() {
  const e = state.elim;
  const text = $('[data-testid="elim-search"]').value.trim().toLowerCase();
  let rows = text ? e.rows.filter((r) => Object.values(r).some((v) => v !== null && String(v).toLowerCase().includes(text))) : e.rows.slice();
  if (e.sort) {
    const k = e.sort;
    rows.sort((a, b) => {
      const x = a[k];
      const y = b[k];
      const c = x === y ? 0 : x === null || x === undefined ? -1 : y === null || y === undefined ? 1
        : typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return e.desc ? -c : c;
    });
  }
  const keys = columns(e.rows);
  // Its rows name no industry: with an industry filter their unit is known, else the heading says it.
  const unit = e.params.industry ? industryUnit(e.params.industry) : undefined;
  const heading = (k) => (k.endsWith('_t') && !unit ? column(k) + unitsNote() : column(k));
  const head = keys.map((k) => h('th', { 'data-sort': k, 'data-testid': `elim-sort-${k}`, class: e.sort === k ? (e.desc ? 'sorted desc' : 'sorted') : '',
    onclick: () => {
      e.desc = e.sort === k ? !e.desc : false;
      e.sort = k;
      schedule('elimination');
    } }, heading(k)));
  table('elimination', head, rows.map((r) => h('tr', { 'data-testid': 'elim-row', 'data-facility': r.facility ?? '', 'data-trade': r.trade ?? '', 'data-status': r.status ?? '' },
    rowCells(r, keys, unit))));
  $('[data-testid="elim-count"]').textContent = t('rows', rows.length);
  const more = $('[data-testid="elim-more"]');
  more.hidden = !(e.more > 0);
  more.textContent = t('more', e.more);
  if (staff()) {
    const known = (id, values) => fill($(`#${id}`), [...new Set(values.filter(Boolean))].map((v) => h('option', { value: v })));
    known('known-projects', e.rows.map((r) => r.buyer_project));
    known('known-facilities', e.rows.map((r) => r.facility));
  }
}

// ---- lookups: project progress, facility history --------------------------------------------------

function summary(obj, key) {
  const v = obj?.[key];
  return Array.isArray(v) ? v[0] : v && typeof v === 'object' ? v : obj;
}

function ledgerTable(testid, rows, unit) {
  const keys = columns(rows);
  return h('div', { class: 'scroll' }, h('table', { 'data-testid': testid },
    h('thead', {}, h('tr', {}, keys.map((k) => h('th', {}, column(k))))),
    h('tbody', {}, rows.map((r) => h('tr', {}, rowCells(r, keys, unit))))));
}

function facts(obj) {
  const keys = columns([obj || {}]).filter((k) => obj[k] === null || typeof obj[k] !== 'object');
  const unit = rowUnit(obj);
  return h('dl', {}, keys.map((k) => [h('dt', {}, column(k)), h('dd', {}, format(k, typeof obj[k + '_text'] === 'string' ? obj[k + '_text'] : obj[k], unit))]));
}

// Every list in a ledger answer besides the summary (trades, elimination entries), as a table under
// its own name; quantities in the summary's unit where a row names none.
function ledgerLists(r, summaryKey) {
  const unit = rowUnit(summary(r, summaryKey));
  return Object.entries(r || {}).filter(([k, v]) => k !== summaryKey && Array.isArray(v))
    .map(([k, v]) => [h('h3', {}, listName(k)), ledgerTable(`${summaryKey}-${k.replace(/\W+/g, '-')}`, v, unit)]);
}

// A facility's history or a project's progress comes a page of trades at a time (docs/API.md): the
// state and the first page, then a "more" control that adds the next page to the lists below. Each
// shown one is drawn again from what it holds when the language changes (pagedViews).
const pagedViews = new Map();
async function showPaged(testid, path, render) {
  const out = $(`[data-testid="${testid}"]`);
  let shown = null;
  const load = async (after) => {
    try {
      const r = await api(path + (after === undefined ? '' : '?after=' + after));
      if (!shown) {
        shown = r;
      } else {
        for (const [k, v] of Object.entries(r)) {
          if (k !== testid && Array.isArray(v)) shown[k] = (shown[k] || []).concat(v);
        }
      }
      const next = r.next_after;
      const draw = () => fill(out, render(shown), next === null || next === undefined ? null
        : h('button', { type: 'button', 'data-testid': `${testid}-more`, onclick: () => load(next) }, t('more', r.more)));
      draw();
      pagedViews.set(testid, draw);
    } catch (err) {
      const draw = () => fill(out, h('p', { class: 'error', 'data-testid': `${testid}-error` }, errorText(err)));
      draw();
      pagedViews.set(testid, draw);
    }
  };
  await load();
}

function showProject(id) {
  return showPaged('project', '/api/v1/ledger/projects/' + encodeURIComponent(id), (r) => {
    const p = summary(r, 'project');
    return [progressBar(p.credited_t ?? 0, p.need_t ?? 0, t, qtyUnit(rowUnit(p))), facts(p), ledgerLists(r, 'project')];
  });
}

function showFacility(id) {
  return showPaged('facility', '/api/v1/ledger/facilities/' + encodeURIComponent(id),
    (r) => [facts(summary(r, 'facility')), ledgerLists(r, 'facility')]);
}

// ---- operator actions ---------------------------------------------------------------------------

// Asks for confirmation (and a reason where the command carries one), then posts the action. The
// answer comes after the command is committed; a market rule's refusal is shown with its reason.
async function act(verb, body, question, withReason) {
  const dialog = $('[data-testid="confirm-dialog"]');
  $('[data-testid="confirm-text"]').textContent = question;
  $('[data-testid="confirm-reason-label"]').hidden = !withReason;
  const reason = $('[data-testid="confirm-reason"]');
  reason.value = '';
  dialog.returnValue = '';
  dialog.showModal();
  const answer = await new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue), { once: true }));
  if (answer !== 'ok') return;
  if (withReason) body = { ...body, reason: reason.value.trim() || t(verb) };
  try {
    const r = await api('/api/v1/actions/' + verb, { method: 'POST', body });
    toast(t('done', r.seq), 'good');
  } catch (err) {
    // In the page's language by its code, the server's sentence after it.
    toast(err instanceof ApiError && err.code === 'rejected' ? errorText(err) : t('failed', errorText(err)), 'bad');
  }
  refresh();
}

let toastTimer = null;
function toast(text, cls) {
  const el = $('[data-testid="toast"]');
  el.textContent = text;
  el.className = 'toast ' + (cls || '');
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.hidden = true), 8000);
}

function showAlert(level, text) {
  const box = $('[data-testid="alerts"]');
  const item = h('div', { class: `alert ${level}`, 'data-testid': 'alert' }, `${t('alert')}: ${text}`,
    h('button', { type: 'button', onclick: () => item.remove() }, '×'));
  box.prepend(item);
  while (box.children.length > 5) box.lastChild.remove();
}

// ---- who is logged in, and what that shows ---------------------------------------------------------

async function loadMe() {
  try {
    state.me = await api('/api/v1/me');
  } catch {
    state.me = { user: null, role: 'public' };
  }
  applyRole();
}

function applyRole() {
  const role = state.me.role;
  state.audit = [];
  auditAfter = null;
  $('[data-testid="login-form"]').hidden = role !== 'public';
  $('.me').hidden = role === 'public';
  $('[data-testid="whoami"]').textContent = role === 'public' ? '' : `${state.me.user} (${t('role_' + role)})`;
  document.body.dataset.role = role;
  for (const el of $$('[data-needs="staff"]')) el.hidden = !staff();
  for (const el of $$('[data-needs="operator"]')) el.hidden = !operator();
  for (const el of $$('[data-public-only]')) el.hidden = staff();
  if (!staff() && state.tab === 'exchange') showTab('market');
  if (staff()) feed.start();
  else feed.stop();
  refresh();
  loadElimination();
  schedule();
}

function showTab(tab) {
  state.tab = tab;
  for (const b of $$('nav [data-tab]')) b.setAttribute('aria-selected', String(b.dataset.tab === tab));
  for (const s of $$('[data-panel]')) s.hidden = s.dataset.panel !== tab;
  if (tab === 'supervision') loadElimination();  // new retirements since it was last shown
  refresh();
}

// Reads that the feed does not carry, refreshed on a timer and after each action.
// The audit trail is paged from its start: read on from the last action seen, keep the newest.
const kAuditKept = 200;
let auditAfter = null;
async function loadAudit() {
  let added = false;
  for (let page = 0; page < 20; page += 1) {
    const r = await api('/api/v1/ledger/operator-actions' + query({ after: auditAfter, limit: 1000 }));
    const last = state.audit.at(-1)?.seq ?? -1;
    const items = (r.items ?? []).filter((i) => !(i.seq <= last));  // never the same action twice
    if (items.length === 0) break;
    state.audit = state.audit.concat(items).slice(-kAuditKept);
    auditAfter = r.next_after ?? items.at(-1).seq ?? auditAfter;
    added = true;
    if (!(r.more > 0)) break;
  }
  if (added) schedule('audit');
}

async function refresh() {
  const jobs = [api('/api/v1/ledger/daily' + query({ day: marketDay() })).then((r) => store('daily', Array.isArray(r) ? r : r?.items ?? [], 'daily')).catch(() => {})];
  if (feed.instruments.size === 0) jobs.push(api('/api/v1/instruments').then((r) => store('polled', r.items ?? [], 'instruments')).catch(() => {}));
  if (feed.auctions.size === 0) jobs.push(api('/api/v1/auctions').then((r) => store('auctions', r.items ?? [], 'auctions')).catch(() => {}));
  let sessionLost = false;
  if (staff()) {
    // A 401 here means the session ended (12 h, or crixd restarted: sessions live in its memory).
    const lost = (e) => {
      if (e.status === 401) sessionLost = true;
    };
    jobs.push(api('/api/v1/status').then((r) => store('status', r, 'status')).catch((e) => {
      store('status', null, 'status');
      lost(e);
    }));
    if (state.tab === 'market' && operator() && state.symbol) {
      jobs.push(api(`/api/v1/book/${encodeURIComponent(state.symbol)}` + query({ depth: kBookDepth, orders: 1 }))
        .then((r) => store('orders', { symbol: r.symbol, items: r.orders ?? [] }, 'orders')).catch(lost));
    }
    if (state.tab === 'exchange') {
      jobs.push(loadAudit().catch(lost));
      jobs.push(api('/api/v1/sessions').then((r) => store('logons', (r.items ?? []).map((s) => (
        { participant: s.participant, failed_logons: s.failed_logons, blocked_until: s.blocked_until, blocked_until_text: s.blocked_until_text,
          since: s.since, last_seen: s.last_seen, last_seen_text: s.last_seen_text, messages_in: s.messages_in, messages_out: s.messages_out }
      )), 'logons')).catch(lost));
    }
    if (state.tab === 'supervision') jobs.push(api('/api/v1/ledger/regions').then((r) => store('regions', r, 'regions')).catch(lost));
  }
  await Promise.all(jobs);
  if (sessionLost) {
    // Said, not only shown by the controls going away: sessions live in crixd's memory (a restart
    // ends them) and last 12 h.
    await loadMe();
    if (!staff()) toast(t('session_ended'), 'bad');
  }
}

function wire() {
  $('[data-testid="lang-switch"]').addEventListener('click', () => {
    setLanguage(language() === 'zh' ? 'en' : 'zh');
    translateStatic();
    fillFilterOptions();
    applyRole();
    for (const draw of pagedViews.values()) draw();
  });
  $('[data-testid="login-form"]').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const err = $('[data-testid="login-error"]');
    err.textContent = '';
    try {
      await api('/api/v1/login', { method: 'POST', body: { user: form.user.value.trim(), password: form.password.value } });
      form.password.value = '';
      await loadMe();
    } catch (e) {
      err.textContent = errorText(e, { unauthorized: 'login_wrong' });
    }
  });
  $('[data-testid="logout"]').addEventListener('click', async () => {
    await api('/api/v1/logout', { method: 'POST', body: {} }).catch(() => {});
    await loadMe();
  });
  for (const b of $$('nav [data-tab]')) b.addEventListener('click', () => showTab(b.dataset.tab));
  $('[data-testid="instrument-picker"]').addEventListener('change', (ev) => {
    state.symbol = ev.target.value;
    localStorage.setItem('crix-symbol', state.symbol);
    schedule('picked');  // its book and chart now, not at the feed's next change
    refresh();
  });
  $('[data-testid="elim-filters"]').addEventListener('submit', (ev) => {
    ev.preventDefault();
    loadElimination();
  });
  for (const sel of ['elim-status', 'elim-industry']) $(`[data-testid="${sel}"]`).addEventListener('change', () => loadElimination());
  $('[data-testid="elim-search"]').addEventListener('input', () => schedule('elimination'));
  $('[data-testid="elim-more"]').addEventListener('click', () => loadElimination(true));
  $('[data-testid="project-form"]').addEventListener('submit', (ev) => {
    ev.preventDefault();
    showProject(ev.target.id.value.trim());
  });
  $('[data-testid="facility-form"]').addEventListener('submit', (ev) => {
    ev.preventDefault();
    showFacility(ev.target.id.value.trim());
  });
  $('[data-testid="auction-form"]').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const form = ev.target;
    // datetime-local gives "YYYY-MM-DDTHH:MM", the API's form: the market's local time.
    const body = { auction: form.auction.value, opens: form.opens.value || 'now', closes: form.closes.value };
    if (!body.auction) return;
    act('auction-announce', body, t('confirm_announce', body.auction, body.opens === 'now' ? t('now') : body.opens.replace('T', ' '), body.closes.replace('T', ' ')), true);
  });
  $('[data-testid="op-close-day"]').addEventListener('click', () => act('close-day', {}, t('confirm_close_day'), false));
  $('[data-testid="op-revoke"]').addEventListener('click', () => {
    // Digits only: Number('1e3') is 1000, a trade nobody typed.
    const text = $('[data-testid="op-revoke-trade"]').value.trim();
    const id = /^[0-9]{1,18}$/.test(text) ? Number(text) : 0;
    if (id > 0) act('revoke', { trade: id }, t('confirm_revoke', id), false);
  });
}

function fillFilterOptions() {
  const opts = (sel, values) => {
    const el = $(`[data-testid="${sel}"]`);
    const keep = el.value;
    fill(el, h('option', { value: '' }, t('all')), values.map((v) => h('option', { value: v }, t(v))));
    el.value = keep;
  };
  opts('elim-status', STATUSES);
  opts('elim-industry', INDUSTRIES);
}

setLanguage(language());
translateStatic();
fillFilterOptions();
wire();
loadMe();
setInterval(refresh, 3000);
