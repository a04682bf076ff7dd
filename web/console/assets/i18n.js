// Labels in Chinese and English; Chinese first, as the people using the console read it first. The
// choice is kept in localStorage. Elements with data-i18n="key" get their text from here; the
// renderers call t() for what they build.
const STRINGS = {
  title: ['产能置换指标交易所 · 运行与监管控制台', 'CRIX · operations and supervision console'],
  lang_switch: ['English', '中文'],
  login: ['登录', 'Log in'],
  logout: ['退出', 'Log out'],
  user: ['用户名', 'User'],
  password: ['密码', 'Password'],
  public_view: ['公众视图（未登录）', 'Public view (not logged in)'],
  role_operator: ['运营', 'operator'],
  role_regulator: ['监管', 'regulator'],
  role_public: ['公众', 'public'],
  tab_market: ['行情', 'Market'],
  tab_exchange: ['交易所运行', 'Exchange'],
  tab_supervision: ['监管', 'Supervision'],
  feed_off: ['实时数据：未连接', 'Live: off'],
  feed_connecting: ['实时数据：连接中', 'Live: connecting'],
  feed_live: ['实时数据：已连接', 'Live: connected'],
  feed_reconnecting: ['实时数据：重新连接中', 'Live: reconnecting'],
  unreachable: ['交易所无法连接（自 {1} 起）：页面显示的是 {0} 的数据，正在重试…', 'Exchange unreachable (since {1}): the page shows the data of {0}; retrying…'],
  reachable_again: ['交易所已恢复连接（{0}）', 'Exchange reachable again ({0})'],
  instruments: ['交易品种', 'Instruments'],
  instrument: ['品种', 'Instrument'],
  symbol: ['代码', 'Symbol'],
  industry: ['行业', 'Industry'],
  phase: ['交易阶段', 'Phase'],
  halted: ['已暂停', 'halted'],
  trading: ['交易中', 'trading'],
  state: ['状态', 'State'],
  last: ['最新价', 'Last'],
  reference: ['参考价', 'Reference'],
  band: ['价格区间', 'Band'],
  volume: ['成交量', 'Volume'],
  value: ['成交额（元）', 'Value (yuan)'],
  book: ['委托簿', 'Order book'],
  depth: ['深度图', 'Depth chart'],
  bid: ['买', 'Bid'],
  ask: ['卖', 'Ask'],
  price_yuan: ['价格（元）', 'Price (yuan)'],
  price: ['价格', 'Price'],
  cumulative_qty: ['累计数量', 'Cumulative quantity'],
  axis: ['{0}（{1}）', '{0} ({1})'],
  time_axis: ['时间（UTC{0}）', 'Time (UTC{0})'],
  qty: ['数量', 'Quantity'],
  orders: ['委托数', 'Orders'],
  no_orders: ['暂无委托', 'No orders'],
  tape: ['成交明细', 'Trade tape'],
  time: ['时间', 'Time'],
  trade: ['成交号', 'Trade'],
  buyer: ['买方', 'Buyer'],
  seller: ['卖方', 'Seller'],
  facility: ['淘汰设施', 'Facility'],
  project: ['新建项目', 'Project'],
  no_trades: ['今日暂无成交', 'No trades today'],
  intraday: ['分时价格与成交量', 'Intraday price and volume'],
  vwap_legend: ['均价线（VWAP）', 'VWAP'],
  daily: ['每日统计', 'Daily statistics'],
  login_for_live: ['登录后可查看委托簿、成交明细和实时数据。', 'Log in to see the book, the tape and live data.'],
  health: ['交易所状态', 'Exchange health'],
  sessions: ['FIX 会话', 'FIX sessions'],
  participants: ['会员', 'Participants'],
  participant: ['会员', 'Participant'],
  comp_id: ['CompID', 'CompID'],
  logged_on: ['在线', 'Logged on'],
  since: ['登录时间', 'Since'],
  last_seen: ['最后消息', 'Last seen'],
  messages_in: ['收到', 'In'],
  messages_out: ['发出', 'Out'],
  stalled: ['阻塞断开', 'Stalled'],
  refused: ['拒绝登录', 'Refused'],
  failed_logons: ['连续登录失败', 'Failed logons'],
  blocked_until: ['禁止登录至', 'Blocked until'],
  name: ['名称', 'Name'],
  status: ['状态', 'Status'],
  open_orders: ['挂单', 'Open orders'],
  yes: ['是', 'yes'],
  no: ['否', 'no'],
  operator_actions: ['运营操作', 'Operator actions'],
  halt: ['暂停交易', 'Halt'],
  resume: ['恢复交易', 'Resume'],
  suspend: ['暂停会员', 'Suspend'],
  reinstate: ['恢复会员', 'Reinstate'],
  close_day: ['日终收市', 'Close the trading day'],
  revoke: ['撤销成交', 'Revoke trade'],
  trade_id: ['成交号', 'Trade id'],
  reason: ['原因', 'Reason'],
  confirm: ['确认', 'Confirm'],
  cancel: ['取消', 'Cancel'],
  confirm_halt: ['暂停品种 {0} 的交易？新委托将被拒绝。', 'Halt trading in {0}? New orders will be refused.'],
  confirm_resume: ['恢复品种 {0} 的交易？', 'Resume trading in {0}?'],
  confirm_suspend: ['暂停会员 {0}？其委托将被撤销，FIX 会话将被登出。', 'Suspend {0}? Its orders are canceled and its FIX sessions logged out.'],
  confirm_reinstate: ['恢复会员 {0}？', 'Reinstate {0}?'],
  confirm_close_day: ['结束今日交易？', 'Close the trading day?'],
  confirm_revoke: ['撤销成交 {0}（公示期内）？', 'Revoke trade {0} (in its publicity period)?'],
  done: ['已完成，序号 {0}', 'Done, sequence {0}'],
  failed: ['失败：{0}', 'Failed: {0}'],
  session_ended: ['登录已失效（会话过期或交易所重启），请重新登录', 'Your session ended (it expired or crixd restarted): log in again'],
  audit: ['操作记录', 'Audit trail'],
  seq: ['序号', 'Seq'],
  uptime: ['运行时间', 'Uptime'],
  accepting: ['当前接受委托', 'Accepting orders now'],
  chain_head: ['链头哈希', 'Chain head'],
  ledger_size: ['账本大小', 'Ledger size'],
  queues: ['队列（入站 / 批次）', 'Queues (inbound / batch)'],
  last_commit: ['最近提交（微秒）', 'Last commit (µs)'],
  commands_since_start: ['本次启动以来的指令数', 'Commands since crixd started'],
  trades_since_start: ['本次启动以来的成交笔数', 'Trades since crixd started'],
  trades_today: ['今日成交笔数（账本每日统计）', 'Trades today (the ledger\'s daily statistics)'],
  last_error: ['最近错误', 'Last error'],
  none: ['无', 'none'],
  because: ['（{0}）', ' ({0})'],
  units_note: ['（{0}；{1}）', ' ({0}; {1})'],
  unit_of_industry: ['{0}为{1}', '{0} in {1}'],
  list_sep: ['；', '; '],
  elimination: ['淘汰名单', 'Elimination list'],
  filter_status: ['状态', 'Status'],
  filter_industry: ['行业', 'Industry'],
  filter_region: ['地区代码', 'Region code'],
  filter_text: ['在结果中查找', 'Find in results'],
  apply: ['查询', 'Apply'],
  all: ['全部', 'all'],
  more: ['加载更多（剩余 {0} 条）', 'Load more ({0} left)'],
  csv: ['导出 CSV', 'Export CSV'],
  rows: ['{0} 条', '{0} rows'],
  regions: ['地区产能与上限', 'Regional capacity against caps'],
  provinces: ['省级汇总', 'Province roll-up'],
  no_cap: ['无上限', 'no cap'],
  progress: ['项目进度（已置换 / 需要）', 'Project progress (credited / needed)'],
  facility_history: ['设施历史', 'Facility history'],
  show: ['查看', 'Show'],
  steel: ['钢铁', 'steel'],
  cement: ['水泥', 'cement'],
  glass: ['平板玻璃', 'glass'],
  aluminium: ['电解铝', 'aluminium'],
  'cement clinker': ['水泥熟料', 'cement clinker'],
  'flat glass': ['平板玻璃', 'flat glass'],
  'electrolytic aluminium': ['电解铝', 'electrolytic aluminium'],
  side: ['方向', 'Side'],
  account: ['设施 / 项目', 'Facility / project'],
  order_id: ['委托号', 'Order'],
  col_id: ['编号', 'Id'],
  col_symbol: ['品种', 'Instrument'],
  col_buyer_id: ['买方', 'Buyer'],
  orders_l3: ['逐笔委托（L3）', 'Orders (L3)'],
  alert: ['警报', 'Alert'],
  'open': ['连续交易', 'open'],
  'continuous trading': ['连续交易', 'continuous trading'],
  'closed': ['休市', 'closed'],
  'pre-open': ['开市前', 'pre-open'],
  'break between sessions': ['午间休市', 'break between sessions'],
  'break': ['午间休市', 'break'],
  active: ['正常', 'active'],
  suspended: ['已暂停', 'suspended'],
  publicised: ['公示中', 'publicised'],
  confirmed: ['已确认公告', 'confirmed'],
  shut: ['已关停', 'shut'],
  dismantled: ['已拆除', 'dismantled'],
  revoked: ['已撤销', 'revoked'],
  // The elimination list's and the ledger's columns (keys as the API names them).
  col_region: ['地区', 'Region'],
  col_province: ['省份', 'Province'],
  col_enterprise: ['企业', 'Enterprise'],
  col_enterprise_id: ['企业代码', 'Enterprise id'],
  col_facility: ['淘汰设施', 'Facility'],
  col_equipment: ['设备', 'Equipment'],
  col_inventory_ref: ['清单编号', 'Inventory ref'],
  col_capacity_retired_t: ['退出产能', 'Capacity retired'],
  col_trade: ['成交号', 'Trade'],
  col_buyer_project: ['置换项目', 'Project'],
  col_filing_ref: ['备案文号', 'Filing ref'],
  col_retired: ['退出日期', 'Retired'],
  col_publicity_end: ['公示截止', 'Publicity ends'],
  col_dismantle_from: ['拆除开始', 'Dismantle from'],
  col_dismantle_by: ['拆除期限', 'Dismantle by'],
  col_status: ['状态', 'Status'],
  col_status_since: ['状态时间', 'Since'],
  col_project_enterprise: ['项目企业', 'Project enterprise'],
  col_project_site: ['项目地点', 'Project site'],
  col_project_equipment: ['项目设备', 'Project equipment'],
  col_project_capacity_t: ['项目产能', 'Project capacity'],
  col_construction_start: ['开工日期', 'Construction start'],
  col_production_start: ['投产日期', 'Production start'],
  col_time: ['时间', 'Time'],
  col_kind: ['类型', 'Kind'],
  col_instrument: ['品种', 'Instrument'],
  col_seller: ['卖方', 'Seller'],
  col_buyer: ['买方', 'Buyer'],
  col_project: ['项目', 'Project'],
  col_price_yuan: ['价格（元）', 'Price (yuan)'],
  col_price: ['价格（元）', 'Price (yuan)'],
  col_qty_t: ['数量', 'Quantity'],
  col_qty: ['数量', 'Quantity'],
  col_ratio: ['置换比例', 'Ratio'],
  col_credited_t: ['折算产能', 'Credited'],
  col_seq: ['序号', 'Seq'],
  col_hash: ['哈希', 'Hash'],
  col_day: ['日期', 'Day'],
  col_trades: ['笔数', 'Trades'],
  col_volume_t: ['成交量', 'Volume'],
  col_value_yuan: ['成交额（元）', 'Value (yuan)'],
  col_open: ['开盘', 'Open'],
  col_high: ['最高', 'High'],
  col_low: ['最低', 'Low'],
  col_close_vwap: ['收盘（均价）', 'Close (VWAP)'],
  col_close: ['收盘', 'Close'],
  col_owner: ['所有人', 'Owner'],
  col_industry: ['行业', 'Industry'],
  col_capacity_t: ['产能', 'Capacity'],
  col_sold_t: ['已售', 'Sold'],
  col_unsold_t: ['未售', 'Unsold'],
  col_need_t: ['需要', 'Needed'],
  col_remaining_t: ['尚缺', 'Remaining'],
  col_site: ['地点', 'Site'],
  col_operator: ['操作员', 'Operator'],
  col_command: ['指令', 'Command'],
  col_arguments: ['参数', 'Arguments'],
  col_mode: ['交易方式', 'Mode'],
  col_result: ['结果', 'Result'],
  col_configured_t: ['登记产能', 'Configured'],
  col_cap_t: ['上限', 'Cap'],
  col_room_t: ['余量', 'Room'],
  col_code: ['代码', 'Code'],
  col_regions: ['地区数', 'Regions'],
  list_trades: ['成交记录', 'Trades'],
  'list_elimination entries': ['淘汰名单记录', 'Elimination entries'],
  col_revision: ['版本', 'Revision'],
  col_written_by: ['记录人', 'Written by'],
  col_province_code: ['省级代码', 'Province code'],
  col_facts: ['事实', 'Facts'],
  col_idle_years: ['闲置年数', 'Idle years'],
  col_expires: ['失效日期', 'Expires'],
  operating: ['在产', 'operating'],
  auctions: ['单向竞价', 'Auctions'],
  auction: ['竞价', 'Auction'],
  seller: ['出让方', 'Seller'],
  lot: ['标的数量', 'Lot'],
  reserve_yuan: ['起拍价（元）', 'Reserve (yuan)'],
  increment_yuan: ['加价幅度（元）', 'Increment (yuan)'],
  pricing: ['定价', 'Pricing'],
  pay_as_bid: ['按各自报价', 'pay as bid'],
  uniform: ['统一价格', 'uniform'],
  window: ['竞价时段', 'Window'],
  ranking: ['当前报价排名', 'Ranking'],
  result: ['结果', 'Result'],
  configured: ['未公告', 'configured'],
  announced: ['已公告', 'announced'],
  sold: ['已成交', 'sold'],
  unsold: ['流拍', 'unsold'],
  canceled: ['已取消', 'canceled'],
  opens: ['开始', 'Opens'],
  closes: ['结束', 'Closes'],
  opens_empty_now: ['开始留空即为现在（交易所时区）', 'Opens empty: now (the market\'s time)'],
  announce: ['公告竞价', 'Announce'],
  cancel_auction: ['取消竞价', 'Cancel auction'],
  confirm_announce: ['公告竞价 {0}，{1} 至 {2}？', 'Announce auction {0} from {1} to {2}?'],
  confirm_cancel_auction: ['取消竞价 {0}？标的与报价将被释放。', 'Cancel auction {0}? Its lot and bids are released.'],
  no_bids: ['暂无报价', 'no bids'],
  now: ['现在', 'now'],
};

// The server's error codes (docs/API.md, "Errors"; api.js adds "unreachable" for a request that got no
// answer from crixd) as the page says them; the server's own text, in English, follows as the detail.
const ERRORS = {
  bad_request: ['请求有误', 'Bad request'],
  unauthorized: ['需要登录，或登录已失效', 'Not logged in, or the session ended'],
  forbidden: ['当前角色无权执行此操作', 'Your role may not do this'],
  not_found: ['未找到', 'Not found'],
  method_not_allowed: ['不支持该请求方法', 'Method not allowed'],
  too_large: ['请求过大', 'Request too large'],
  rejected: ['被市场规则拒绝', 'Refused by a market rule'],
  too_many: ['请求过于频繁，请稍后再试', 'Too many tries: wait, then try again'],
  unavailable: ['交易所暂时无法处理，请稍后再试', 'The exchange cannot take it now: try again'],
  unreachable: ['交易所无法连接', 'Exchange unreachable'],
  login_wrong: ['用户名或密码错误', 'Wrong user or password'],
};

// The instruments' units (GET /api/v1/instruments `unit`, as the market file names them): a quantity's,
// and a price's per unit. Another unit is shown as the market file writes it.
const UNITS = {
  t: [['吨', 't'], ['元/吨', 'yuan/t']],
  'weight box': [['重量箱', 'weight boxes'], ['元/重量箱', 'yuan/weight box']],
};

// The page's language as the browser keeps it; under node (the module tests) there is no storage.
const storage = globalThis.localStorage ?? null;
let lang = storage?.getItem('crix-lang') === 'en' ? 'en' : 'zh';

export function language() {
  return lang;
}

export function setLanguage(l) {
  lang = l === 'en' ? 'en' : 'zh';
  storage?.setItem('crix-lang', lang);
  if (globalThis.document) document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

// An API error (api.js ApiError: status, code, the server's text) in the page's language: what its
// code means, then the server's text as the detail (none for "unreachable": the browser's words).
// `as` names the sentence for a code where the page knows better (a login's 401 is a wrong password).
export function errorText(err, as = {}) {
  const code = err?.code ?? '';
  const pair = ERRORS[as[code] ?? code];
  const i = lang === 'zh' ? 0 : 1;
  const label = pair ? pair[i] : (lang === 'zh' ? `错误 ${err?.status ?? ''}` : `Error ${err?.status ?? ''}`).trim();
  const detail = code === 'unreachable' ? '' : String(err?.message ?? '');
  if (!detail) return label;
  return lang === 'zh' ? `${label}（服务器说明：${detail}）` : `${label} (the server said: ${detail})`;
}

// t('confirm_halt', 'STEEL-IRON'); an unknown key is shown as itself, so a new API value still reads.
export function t(key, ...args) {
  const pair = STRINGS[key];
  let s = pair ? pair[lang === 'zh' ? 0 : 1] : key;
  args.forEach((a, i) => (s = s.replace(`{${i}}`, String(a))));
  return s;
}

// A quantity's unit ("吨", "weight boxes"); "" when the unit is not known.
export function qtyUnit(unit) {
  const u = UNITS[unit];
  return u ? u[0][lang === 'zh' ? 0 : 1] : unit ?? '';
}

// A price's unit: yuan per the instrument's unit ("元/吨", "yuan/weight box").
export function priceUnit(unit) {
  const u = UNITS[unit];
  if (u) return u[1][lang === 'zh' ? 0 : 1];
  return lang === 'zh' ? (unit ? `元/${unit}` : '元') : (unit ? `yuan/${unit}` : 'yuan');
}

// A heading for a list in a ledger answer ("trades", "elimination entries").
export function listName(key) {
  return STRINGS['list_' + key] ? t('list_' + key) : key;
}

// A column heading for an API field name.
export function column(key) {
  return STRINGS['col_' + key] ? t('col_' + key) : key;
}

export function translateStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  document.title = t('title');
}
