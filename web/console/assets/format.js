// Numbers and times as a person reads them. The API gives prices in fen, quantities in tonnes (weight
// boxes for glass) and times in nanoseconds since the epoch plus, where a person reads them, an ISO
// text with the market's offset (API12.md, "Numbers and shapes"). Integer arithmetic for money: a fen
// never goes through a float.

// 58000 -> "580.00"; null/undefined -> "—".
export function yuan(fen) {
  if (fen === null || fen === undefined) return '—';
  if (typeof fen === 'number' && !Number.isInteger(fen)) return String(fen);  // not fen: shown as given
  const n = BigInt(fen);
  const neg = n < 0n;
  const a = neg ? -n : n;
  const cents = String(a % 100n).padStart(2, '0');
  return (neg ? '-' : '') + group(String(a / 100n)) + '.' + cents;
}

// A yuan amount the ledger's reports already give in yuan (JSON numbers such as 597.41 or 580, which
// JSON cannot keep as "580.00") -> "580.00", grouped. Display only: nothing is computed from it.
export function yuanText(v) {
  if (v === null || v === undefined) return '—';
  const [i, d] = Number(v).toFixed(2).split('.');
  return (i.startsWith('-') ? '-' + group(i.slice(1)) : group(i)) + '.' + d;
}

// 1234567 -> "1,234,567".
export function qty(n) {
  if (n === null || n === undefined) return '—';
  const s = String(n);
  return s.startsWith('-') ? '-' + group(s.slice(1)) : group(s);
}

function group(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

// The market's offset from UTC in minutes. The API writes every person-read time with the market's
// offset ("2026-12-04 11:40:12.038+08:00"), so the page learns it from the first such text it sees;
// until then it assumes China Standard Time, where every market CRIX serves keeps its clock.
let offsetMinutes = 8 * 60;
let offsetText = '+08:00';

export function learnOffset(text) {
  if (typeof text !== 'string') return;
  const m = /([+-])(\d\d):(\d\d)$/.exec(text);
  if (!m) return;
  offsetMinutes = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  offsetText = m[0];
}

// The market's offset from UTC, in ms (for a chart's ticks at round local times), and as text ("+08:00").
export function offsetMs() {
  return offsetMinutes * 60000;
}

export function utcOffsetText() {
  return offsetText;
}

// Nanoseconds since the epoch (number or numeric string) -> "YYYY-MM-DD HH:MM:SS.mmm+08:00" in the
// market's zone.
export function zoned(ns) {
  if (ns === null || ns === undefined || ns === 0) return '—';
  const ms = Number(BigInt(ns) / 1000000n);
  const d = new Date(ms + offsetMinutes * 60000);
  const p = (v, w = 2) => String(v).padStart(w, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ` +
         `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}${offsetText}`;
}

// An object's time field as text: its `<field>_text` when the API sent one, else computed.
export function timeOf(obj, field = 'time') {
  const text = obj[field + '_text'];
  if (typeof text === 'string') {
    learnOffset(text);
    return text;
  }
  return zoned(obj[field]);
}

// "2026-12-04 11:40:12.038+08:00" -> "11:40:12"; for the tape and the tables where the day is today.
export function clock(text) {
  const m = /\d\d:\d\d:\d\d/.exec(text || '');
  return m ? m[0] : '—';
}

// Milliseconds since the epoch of a time field (for chart axes).
export function millis(ns) {
  return Number(BigInt(ns) / 1000000n);
}

// Today's date in the market's zone, YYYY-MM-DD.
export function marketDay(nowMs = Date.now()) {
  const d = new Date(nowMs + offsetMinutes * 60000);
  return d.toISOString().slice(0, 10);
}

export function bytes(n) {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n);
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return (u === 0 ? String(v) : v.toFixed(1)) + ' ' + units[u];
}
