// The live feed: GET /api/v1/feed upgraded to WebSocket (docs/API.md, "Live"). The first message is a
// snapshot, then messages {"type":"updates","events":[...]} with updates of seq > the snapshot's, in
// order, never decreasing. A trade is a row, its values in the order of the snapshot's trade_fields
// (which names them, "type" first); the feed turns it into an object. A "revocation" marks a kept
// trade `revoked`, as the next snapshot's row has it. The feed keeps
// the published state (instruments, books, recent trades, sessions, participants, auctions) and calls
// onChange(kind) after applying each message. When the socket closes it reconnects with a backoff
// that doubles from 0.5 s to 15 s (with jitter, so many consoles do not return at once) and is reset
// by the next snapshot, which replaces the whole state.
const kTradesKept = 5000;

export class Feed {
  constructor({ onChange, onStatus, onAlert }) {
    this.onChange = onChange;
    this.onStatus = onStatus;
    this.onAlert = onAlert;
    this.ws = null;
    this.wanted = false;
    this.delay = 500;
    this.timer = null;
    this.reset();
  }

  reset() {
    this.seq = 0;
    this.tradeFields = [];
    this.instruments = new Map();
    this.books = new Map();  // symbol -> {bids: Map(price -> level), asks: Map(price -> level)}
    this.trades = [];        // oldest first
    this.sessions = new Map();
    this.participants = new Map();
    this.auctions = new Map();  // index -> the auction's whole view
  }

  start() {
    this.wanted = true;
    if (!this.ws) this.connect();
  }

  stop() {
    this.wanted = false;
    clearTimeout(this.timer);
    this.timer = null;
    if (this.ws) {
      const ws = this.ws;
      this.ws = null;
      ws.close(1000, 'logged out');
    }
    this.reset();
    this.onStatus('off');
    this.onChange('all');
  }

  connect() {
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/v1/feed';
    this.onStatus('connecting');
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      this.apply(msg);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (ev.code === 1008 && ev.reason) this.onAlert({ level: 'warning', text: ev.reason });
      if (!this.wanted) return;
      this.onStatus('reconnecting');
      const wait = this.delay * (0.75 + Math.random() / 2);
      this.delay = Math.min(this.delay * 2, 15000);
      this.timer = setTimeout(() => {
        this.timer = null;
        if (this.wanted && !this.ws) this.connect();
      }, wait);
    };
  }

  // Applies a snapshot, an "updates" message (onChange once per kind of update it held) or one update.
  apply(msg) {
    if (msg.type === 'updates') {
      const kinds = new Set();
      for (const e of msg.events || []) {
        const kind = this.update(e);
        if (kind) kinds.add(kind);
      }
      for (const kind of kinds) this.onChange(kind);
      return;
    }
    if (msg.type === 'snapshot') {
      this.reset();
      this.seq = msg.seq || 0;
      for (const i of msg.instruments || []) this.instruments.set(i.symbol, i);
      for (const [symbol, book] of Object.entries(msg.books || {})) {
        const b = { bids: new Map(), asks: new Map() };
        for (const l of book.bids || []) if (l.qty > 0) b.bids.set(l.price, l);
        for (const l of book.asks || []) if (l.qty > 0) b.asks.set(l.price, l);
        this.books.set(symbol, b);
      }
      this.tradeFields = msg.trade_fields || [];
      this.trades = (msg.trades || []).slice(-kTradesKept).map((row) => strip(this.named(row)));
      for (const s of msg.sessions || []) this.sessions.set(sessionKey(s), s);
      for (const p of msg.participants || []) this.participants.set(p.id, p);
      for (const a of msg.auctions || []) this.auctions.set(a.index, a);
      this.delay = 500;
      this.onStatus('live');
      this.onChange('all');
      return;
    }
    const kind = this.update(msg);
    if (kind) this.onChange(kind);
  }

  // Applies one update; returns its kind, or null when it was ignored (older than what we show, or
  // of a kind this page does not know).
  update(event) {
    const msg = this.named(event);
    if (typeof msg.seq === 'number' && msg.seq < this.seq) return null;  // older than what we show
    if (typeof msg.seq === 'number') this.seq = msg.seq;
    switch (msg.type) {
      case 'book': {
        let b = this.books.get(msg.symbol);
        if (!b) {
          b = { bids: new Map(), asks: new Map() };
          this.books.set(msg.symbol, b);
        }
        for (const l of msg.bids || []) l.qty > 0 ? b.bids.set(l.price, l) : b.bids.delete(l.price);
        for (const l of msg.asks || []) l.qty > 0 ? b.asks.set(l.price, l) : b.asks.delete(l.price);
        break;
      }
      case 'trade':
        this.trades.push(strip(msg));
        if (this.trades.length > kTradesKept) this.trades.splice(0, this.trades.length - kTradesKept);
        break;
      case 'revocation': {  // the trade stays as it was made, marked; one older than the kept ones is not here
        const revoked = this.trades.findLast((tr) => tr.id === msg.trade);
        if (revoked) revoked.revoked = true;
        break;
      }
      case 'instrument':
        this.instruments.set(msg.symbol, { ...this.instruments.get(msg.symbol), ...strip(msg) });
        break;
      case 'participant':
        this.participants.set(msg.id, { ...this.participants.get(msg.id), ...strip(msg) });
        break;
      case 'session':
        this.sessions.set(sessionKey(msg), { ...this.sessions.get(sessionKey(msg)), ...strip(msg) });
        break;
      case 'auction':  // the whole view: it replaces the row
        this.auctions.set(msg.index, strip(msg));
        break;
      case 'alert':
        this.onAlert({ level: msg.level, text: msg.text });
        break;
      default:
        return null;
    }
    return msg.type;
  }

  // An update as an object: a row (a trade) named by the snapshot's trade_fields.
  named(event) {
    if (!Array.isArray(event)) return event;
    const o = {};
    this.tradeFields.forEach((name, i) => { o[name] = event[i]; });
    return o;
  }

  // Levels of one instrument, best first.
  levels(symbol) {
    const b = this.books.get(symbol);
    if (!b) return { bids: [], asks: [] };
    return {
      bids: [...b.bids.values()].sort((x, y) => y.price - x.price),
      asks: [...b.asks.values()].sort((x, y) => x.price - y.price),
    };
  }
}

function sessionKey(s) {
  return `${s.participant}\u0000${s.comp_id}`;
}

function strip(msg) {
  const { type: _type, ...rest } = msg;
  return rest;
}
