// The console's charts, drawn as SVG by our own code: a depth chart, an intraday price and volume
// chart with the day's running VWAP and the reference price, and horizontal bars of capacity against
// a cap. Each returns an <svg> element sized by its viewBox, so CSS scales it.
import { h } from './dom.js';
import { yuan, qty } from './format.js';

const W = 600;
const H = 220;
const PAD = { l: 64, r: 12, t: 12, b: 28 };

function frame(testid, label) {
  return h('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': label, 'data-testid': testid });
}

function empty(svg, text) {
  svg.append(h('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'muted' }, text));
  return svg;
}

// Four evenly spaced ticks between lo and hi, rounded to whole units of `step`.
function ticks(lo, hi, n = 4) {
  if (hi <= lo) return [lo];
  const out = [];
  for (let i = 0; i <= n; i += 1) out.push(lo + ((hi - lo) * i) / n);
  return out;
}

// Bids and asks, best first: cumulative quantity against price, bids to the left of the spread.
export function depthChart(bids, asks, t) {
  const svg = frame('depth-chart', t('depth'));
  if (bids.length === 0 && asks.length === 0) return empty(svg, t('no_orders'));
  const all = [...bids, ...asks].map((l) => l.price);
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  // A margin on both sides, so a single level on each side still shows as an area.
  const margin = Math.max((hi - lo) * 0.15, 100);
  lo = Math.max(lo - margin, 0);
  hi += margin;
  const cum = (levels) => {
    let c = 0;
    return levels.map((l) => ({ price: l.price, c: (c += l.qty) }));
  };
  const cb = cum(bids);
  const ca = cum(asks);
  const top = Math.max(cb.at(-1)?.c || 0, ca.at(-1)?.c || 0);
  const x = (p) => PAD.l + ((p - lo) / (hi - lo)) * (W - PAD.l - PAD.r);
  const y = (c) => H - PAD.b - (c / top) * (H - PAD.t - PAD.b);
  const step = (pts, dir) => {
    if (pts.length === 0) return '';
    let d = `M${x(pts[0].price)},${y(0)}`;
    let prev = 0;
    for (const p of pts) d += `L${x(p.price)},${y(prev)}L${x(p.price)},${y(p.c)}`, (prev = p.c);
    d += `L${dir < 0 ? PAD.l : W - PAD.r},${y(prev)}L${dir < 0 ? PAD.l : W - PAD.r},${y(0)}Z`;
    return d;
  };
  svg.append(axes(lo, hi, 0, top, x, y, yuan, qty));
  if (cb.length) svg.append(h('path', { d: step(cb, -1), class: 'bid-area', 'data-testid': 'depth-bids' }));
  if (ca.length) svg.append(h('path', { d: step(ca, 1), class: 'ask-area', 'data-testid': 'depth-asks' }));
  return svg;
}

function axes(x0, x1, y0, y1, x, y, xText, yText) {
  const g = h('g', { class: 'axis' });
  g.append(h('line', { x1: PAD.l, y1: H - PAD.b, x2: W - PAD.r, y2: H - PAD.b }));
  g.append(h('line', { x1: PAD.l, y1: PAD.t, x2: PAD.l, y2: H - PAD.b }));
  for (const v of ticks(x0, x1)) {
    g.append(h('text', { x: x(v), y: H - PAD.b + 16, 'text-anchor': 'middle' }, xText(Math.round(v))));
  }
  for (const v of ticks(y0, y1)) {
    g.append(h('text', { x: PAD.l - 6, y: y(v) + 4, 'text-anchor': 'end' }, yText(Math.round(v))));
  }
  return g;
}

// Today's trades of one instrument, oldest first: price as a line of points, volume as bars along the
// bottom, the running VWAP (the value the day will close at) and the reference price (the band's
// centre, yesterday's VWAP close) as dashed lines.
export function priceChart(trades, reference, t, timeLabel) {
  const svg = frame('price-chart', t('intraday'));
  if (trades.length === 0) {
    if (reference) svg.append(h('text', { x: W / 2, y: H / 2 + 18, 'text-anchor': 'middle', class: 'muted' }, `${t('reference')} ${yuan(reference)}`));
    return empty(svg, t('no_trades'));
  }
  const times = trades.map((tr) => tr.ms);
  let t0 = Math.min(...times);
  let t1 = Math.max(...times);
  if (t1 - t0 < 60000) {
    t0 -= 30000;
    t1 += 30000;
  }
  const prices = trades.map((tr) => tr.price);
  if (reference) prices.push(reference);
  let lo = Math.min(...prices);
  let hi = Math.max(...prices);
  // At least 2% of the price (or 1 yuan) tall, so one trade is not drawn against a hair-thin axis.
  const span = Math.max(hi - lo, hi * 0.02, 100);
  lo -= span * 0.1;
  hi += span * 0.1;
  const volTop = Math.max(...trades.map((tr) => tr.qty));
  const volH = (H - PAD.t - PAD.b) * 0.25;
  const x = (ms) => PAD.l + ((ms - t0) / (t1 - t0)) * (W - PAD.l - PAD.r);
  const y = (p) => H - PAD.b - volH - ((p - lo) / (hi - lo)) * (H - PAD.t - PAD.b - volH);
  svg.append(axes(t0, t1, lo, hi, x, y, timeLabel, yuan));
  const bars = h('g', { class: 'volume' });
  for (const tr of trades) {
    const bh = (tr.qty / volTop) * volH;
    bars.append(h('rect', { x: x(tr.ms) - 1.5, y: H - PAD.b - bh, width: 3, height: Math.max(bh, 0.5) }));
  }
  svg.append(bars);
  if (reference) {
    svg.append(h('line', { x1: PAD.l, x2: W - PAD.r, y1: y(reference), y2: y(reference), class: 'reference', 'data-testid': 'reference-line' },
      h('title', {}, `${t('reference')} ${yuan(reference)}`)));
  }
  let value = 0n;
  let volume = 0n;
  const vwap = [];
  for (const tr of trades) {
    value += BigInt(tr.price) * BigInt(tr.qty);
    volume += BigInt(tr.qty);
    vwap.push(`${x(tr.ms)},${y(Number(value / volume))}`);
  }
  vwap.push(`${W - PAD.r},${y(Number(value / volume))}`);  // the value the day would close at now
  svg.append(h('polyline', { points: vwap.join(' '), class: 'vwap', 'data-testid': 'vwap-line' },
    h('title', {}, `VWAP ${yuan(Number(value / volume))}`)));
  svg.append(h('polyline', { points: trades.map((tr) => `${x(tr.ms)},${y(tr.price)}`).join(' '), class: 'price' }));
  for (const tr of trades) svg.append(h('circle', { cx: x(tr.ms), cy: y(tr.price), r: 2.5, class: 'price-dot' }));
  return svg;
}

// One bar per row: `value` against `cap` (a line at 100%); rows without a cap are drawn against
// `scale` and marked as uncapped.
export function capBars(rows, t) {
  const W = 900;  // wider than the other charts: the labels are long
  const rowH = 22;
  const labelW = 300;
  const height = Math.max(rows.length * rowH + 8, 40);
  const svg = h('svg', { viewBox: `0 0 ${W} ${height}`, class: 'chart bars', role: 'img', 'aria-label': t('regions'), 'data-testid': 'region-bars' });
  const barW = W - labelW - 110;
  rows.forEach((r, i) => {
    const y0 = 4 + i * rowH;
    const limit = r.cap ?? r.scale;
    const frac = limit > 0 ? r.value / limit : 0;
    const over = r.cap !== null && r.cap !== undefined && r.value > r.cap;
    svg.append(h('text', { x: labelW - 6, y: y0 + 15, 'text-anchor': 'end' }, r.label));
    svg.append(h('rect', { x: labelW, y: y0 + 3, width: barW, height: rowH - 10, class: 'bar-bg' }));
    svg.append(h('rect', { x: labelW, y: y0 + 3, width: Math.min(frac, 1.2) * barW / 1.2, height: rowH - 10,
      class: over ? 'bar over' : r.cap === null || r.cap === undefined ? 'bar uncapped' : 'bar', 'data-testid': 'region-bar' },
      h('title', {}, `${r.label}: ${qty(r.value)} / ${r.cap === null || r.cap === undefined ? t('no_cap') : qty(r.cap)}`)));
    if (r.cap !== null && r.cap !== undefined) {
      const cx = labelW + barW / 1.2;
      svg.append(h('line', { x1: cx, x2: cx, y1: y0 + 1, y2: y0 + rowH - 5, class: 'cap-line' }));
    }
    svg.append(h('text', { x: labelW + barW + 6, y: y0 + 15 },
      r.cap === null || r.cap === undefined ? t('no_cap') : `${Math.round(frac * 1000) / 10}%`));
  });
  return svg;
}

// A progress bar: credited against need.
export function progressBar(done, need, t) {
  const frac = need > 0 ? Math.min(done / need, 1) : 0;
  return h('svg', { viewBox: `0 0 ${W} 34`, class: 'chart progress', role: 'img', 'aria-label': t('progress'), 'data-testid': 'project-progress' },
    h('rect', { x: 0, y: 6, width: W, height: 22, class: 'bar-bg' }),
    h('rect', { x: 0, y: 6, width: frac * W, height: 22, class: 'bar' }),
    h('text', { x: W / 2, y: 22, 'text-anchor': 'middle', class: 'bar-text' }, `${qty(done)} / ${qty(need)} (${Math.round(frac * 1000) / 10}%)`));
}
