// The console's charts, drawn as SVG by our own code: a depth chart, an intraday price and volume
// chart with the day's running VWAP and the reference price, and horizontal bars of capacity against
// a cap. Each returns an <svg> element sized by its viewBox, so CSS scales it. Axes are ticked at round
// values (1, 2 or 5 times a power of ten; times at whole seconds, minutes or hours of the market's
// clock) and named with their unit, which the caller gives in the page's language (`units`: `price`,
// e.g. "元/吨", `qty`, e.g. "吨", and `time`).
import { h } from './dom.js';
import { yuan, qty, offsetMs } from './format.js';

const W = 600;
const H = 220;
const PAD = { l: 64, r: 12, t: 24, b: 40 };
// Half the width of the widest tick label (a time "HH:MM:SS" or a price "12,345.67" at 11 px): a label
// closer than this to the chart's right edge is anchored at its end, or its last characters were cut.
const kHalfLabel = 30;

function frame(testid, label) {
  return h('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': label, 'data-testid': testid });
}

function empty(svg, text) {
  svg.append(h('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'muted' }, text));
  return svg;
}

// Ticks inside [lo, hi] at a round step: 1, 2 or 5 times a power of ten, the smallest that makes at most
// `n` intervals, and never below `minStep` (1: fen and tonnes are whole).
export function niceTicks(lo, hi, n = 5, minStep = 1) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = Math.max([1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw * (1 - 1e-12)), minStep);
  const out = [];
  for (let k = Math.ceil(lo / step); k * step <= hi; k += 1) out.push(k * step);
  return out;
}

// Steps of a time axis, in ms: whole seconds, minutes and hours.
const kTimeSteps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000);

// Ticks inside [t0, t1] (ms since the epoch) at a round time of the market's clock (`offset` ms east of
// UTC): the smallest step of kTimeSteps that makes at most `n` intervals.
export function timeTicks(t0, t1, n = 5, offset = 0) {
  if (!(t1 > t0)) return [t0];
  const step = kTimeSteps.find((s) => (t1 - t0) / s <= n) ?? kTimeSteps.at(-1);
  const out = [];
  for (let k = Math.ceil((t0 + offset) / step); k * step - offset <= t1; k += 1) out.push(k * step - offset);
  return out;
}

// Where a tick label along the x axis is anchored: its middle, or its end near the right edge.
function anchorAt(x) {
  return x > W - PAD.r - kHalfLabel ? 'end' : 'middle';
}

// The axes: lines, the ticks' labels and the units (the y axis's above it, the x axis's below its
// labels, at the right).
function axes({ xTicks, yTicks, x, y, xText, yText, xUnit, yUnit }) {
  const g = h('g', { class: 'axis' });
  g.append(h('line', { x1: PAD.l, y1: H - PAD.b, x2: W - PAD.r, y2: H - PAD.b }));
  g.append(h('line', { x1: PAD.l, y1: PAD.t, x2: PAD.l, y2: H - PAD.b }));
  for (const v of xTicks) {
    g.append(h('line', { x1: x(v), x2: x(v), y1: H - PAD.b, y2: H - PAD.b + 4 }));
    g.append(h('text', { x: x(v), y: H - PAD.b + 16, 'text-anchor': anchorAt(x(v)), 'data-testid': 'x-tick' }, xText(v)));
  }
  for (const v of yTicks) {
    g.append(h('line', { x1: PAD.l - 4, x2: PAD.l, y1: y(v), y2: y(v) }));
    g.append(h('text', { x: PAD.l - 6, y: y(v) + 4, 'text-anchor': 'end', 'data-testid': 'y-tick' }, yText(v)));
  }
  g.append(h('text', { x: 4, y: PAD.t - 10, class: 'unit', 'data-testid': 'y-unit' }, yUnit));
  g.append(h('text', { x: W - PAD.r, y: H - 6, 'text-anchor': 'end', class: 'unit', 'data-testid': 'x-unit' }, xUnit));
  return g;
}

// Bids and asks, best first: cumulative quantity against price, bids to the left of the spread.
export function depthChart(bids, asks, t, units) {
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
  svg.append(axes({ xTicks: niceTicks(lo, hi), yTicks: niceTicks(0, top, 4), x, y, xText: yuan, yText: qty,
    xUnit: t('axis', t('price'), units.price), yUnit: t('axis', t('cumulative_qty'), units.qty) }));
  if (cb.length) svg.append(h('path', { d: step(cb, -1), class: 'bid-area', 'data-testid': 'depth-bids' }));
  if (ca.length) svg.append(h('path', { d: step(ca, 1), class: 'ask-area', 'data-testid': 'depth-asks' }));
  return svg;
}

// Today's trades of one instrument, oldest first: price as a line of points, volume as bars along the
// bottom, the running VWAP (the value the day will close at) and the reference price (the band's
// centre, yesterday's VWAP close) as dashed lines.
export function priceChart(trades, reference, t, timeLabel, units) {
  const svg = frame('price-chart', t('intraday'));
  if (trades.length === 0) {
    if (reference) svg.append(h('text', { x: W / 2, y: H / 2 + 18, 'text-anchor': 'middle', class: 'muted' }, `${t('reference')} ${yuan(reference)} ${units.price}`));
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
  svg.append(axes({ xTicks: timeTicks(t0, t1, 5, offsetMs()), yTicks: niceTicks(lo, hi, 4), x, y, xText: timeLabel, yText: yuan,
    xUnit: units.time, yUnit: t('axis', t('price'), units.price) }));
  const bars = h('g', { class: 'volume' });
  for (const tr of trades) {
    const bh = (tr.qty / volTop) * volH;
    bars.append(h('rect', { x: x(tr.ms) - 1.5, y: H - PAD.b - bh, width: 3, height: Math.max(bh, 0.5) },
      h('title', {}, `${qty(tr.qty)} ${units.qty}`)));
  }
  svg.append(bars);
  if (reference) {
    svg.append(h('line', { x1: PAD.l, x2: W - PAD.r, y1: y(reference), y2: y(reference), class: 'reference', 'data-testid': 'reference-line' },
      h('title', {}, `${t('reference')} ${yuan(reference)} ${units.price}`)));
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
    h('title', {}, `VWAP ${yuan(Number(value / volume))} ${units.price}`)));
  svg.append(h('polyline', { points: trades.map((tr) => `${x(tr.ms)},${y(tr.price)}`).join(' '), class: 'price' }));
  for (const tr of trades) svg.append(h('circle', { cx: x(tr.ms), cy: y(tr.price), r: 2.5, class: 'price-dot' }));
  return svg;
}

// One bar per row: `value` against `cap` (a line at 100%, the bar's end at 120%), both in the row's
// `unit`. A row without a cap has no bar (a full one read as a region at its cap): it says "no cap"
// with its value instead.
export function capBars(rows, t) {
  const W = 900;  // wider than the other charts: the labels are long
  const rowH = 22;
  const labelW = 300;
  const height = Math.max(rows.length * rowH + 8, 40);
  const svg = h('svg', { viewBox: `0 0 ${W} ${height}`, class: 'chart bars', role: 'img', 'aria-label': t('regions'), 'data-testid': 'region-bars' });
  const barW = W - labelW - 110;
  rows.forEach((r, i) => {
    const y0 = 4 + i * rowH;
    const unit = r.unit ? ` ${r.unit}` : '';
    svg.append(h('text', { x: labelW - 6, y: y0 + 15, 'text-anchor': 'end' }, r.label));
    if (r.cap === null || r.cap === undefined) {
      svg.append(h('text', { x: labelW, y: y0 + 15, class: 'no-cap', 'data-testid': 'region-nocap' },
        `${t('no_cap')} · ${qty(r.value)}${unit}`));
      return;
    }
    const frac = r.cap > 0 ? r.value / r.cap : r.value > 0 ? Infinity : 0;
    svg.append(h('rect', { x: labelW, y: y0 + 3, width: barW, height: rowH - 10, class: 'bar-bg' }));
    svg.append(h('rect', { x: labelW, y: y0 + 3, width: Math.min(frac, 1.2) * barW / 1.2, height: rowH - 10,
      class: r.value > r.cap ? 'bar over' : 'bar', 'data-testid': 'region-bar' },
      h('title', {}, `${r.label}: ${qty(r.value)} / ${qty(r.cap)}${unit}`)));
    const cx = labelW + barW / 1.2;
    svg.append(h('line', { x1: cx, x2: cx, y1: y0 + 1, y2: y0 + rowH - 5, class: 'cap-line' }));
    svg.append(h('text', { x: labelW + barW + 6, y: y0 + 15 }, Number.isFinite(frac) ? `${Math.round(frac * 1000) / 10}%` : '—'));
  });
  return svg;
}

// A progress bar: credited against need, in `unit` ("" for none).
export function progressBar(done, need, t, unit = '') {
  const frac = need > 0 ? Math.min(done / need, 1) : 0;
  return h('svg', { viewBox: `0 0 ${W} 34`, class: 'chart progress', role: 'img', 'aria-label': t('progress'), 'data-testid': 'project-progress' },
    h('rect', { x: 0, y: 6, width: W, height: 22, class: 'bar-bg' }),
    h('rect', { x: 0, y: 6, width: frac * W, height: 22, class: 'bar' }),
    h('text', { x: W / 2, y: 22, 'text-anchor': 'middle', class: 'bar-text' }, `${qty(done)} / ${qty(need)}${unit ? ' ' + unit : ''} (${Math.round(frac * 1000) / 10}%)`));
}
