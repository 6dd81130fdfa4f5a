// candlewick dashboard: plain JS, no dependencies. The token stays in
// sessionStorage; every call goes to /api/v1 with it.
'use strict';

const API = '/api/v1';
const PAGE = 100;
const state = { token: sessionStorage.getItem('cw-token'), role: null, bots: [], page: 0,
  ws: null, lastSeq: 0, bot: null, tradesBefore: null, refreshTimer: null };

const $ = (id) => document.getElementById(id);
const el = (tag, text, cls) => {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
};
const fmt = (x, d = 2) => (x === null || x === undefined || Number.isNaN(x)) ? '–' : Number(x).toFixed(d);
const ago = (ms) => ms === null || ms === undefined ? '–' : (ms < 60000 ? Math.round(ms / 1000) + ' s' : Math.round(ms / 60000) + ' min');
const time = (ms) => ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 16) : '–';

async function call(method, path, body) {
  const opts = { method, headers: { Authorization: 'Bearer ' + state.token } };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(API + path, opts);
  const data = await r.json().catch(() => ({}));
  if (!r.ok) {
    const err = new Error(data.detail || data.title || ('HTTP ' + r.status));
    err.status = r.status;
    throw err;
  }
  return data;
}

function show(view) {
  for (const v of ['login-view', 'overview-view', 'bot-view']) $(v).classList.toggle('hidden', v !== view);
  const admin = state.role === 'admin';
  for (const e of document.querySelectorAll('.admin')) e.classList.toggle('hidden', !admin);
  $('logout').classList.toggle('hidden', !state.token);
}

async function login(token) {
  state.token = token;
  try {
    const v = await call('GET', '/version');
    state.role = v.role;
    sessionStorage.setItem('cw-token', token);
    $('role').textContent = v.token + ' (' + v.role + ') · v' + v.version;
    $('login-error').textContent = '';
    connectStream();
    route();
  } catch (e) {
    state.token = null;
    sessionStorage.removeItem('cw-token');
    $('login-error').textContent = e.message;
    show('login-view');
  }
}

// ---- overview ----

async function loadBots() {
  const all = [];
  let after = null;
  for (let i = 0; i < 1000; i++) {
    const page = await call('GET', '/bots?limit=1000' + (after === null ? '' : '&after=' + encodeURIComponent(after)));
    all.push(...page.bots);
    if (page.next === null) break;
    after = page.next;
  }
  state.bots = all;
}

function pnl(b) {
  const p = b.performance;
  return p ? (p.realized_pnl || 0) + (p.unrealized_pnl || 0) : null;
}

function position(b) {
  if (!b.positions || b.positions.length === 0) return 'flat';
  return b.positions.map((p) => p.direction + ' ' + fmt(p.qty, 4)).join(', ');
}

function sparkline(values) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 100 24');
  if (values.length > 1) {
    const lo = Math.min(...values), hi = Math.max(...values), span = hi - lo || 1;
    const pts = values.map((v, i) => (i * 100 / (values.length - 1)).toFixed(1) + ',' + (22 - (v - lo) * 20 / span).toFixed(1));
    const line = document.createElementNS(ns, 'polyline');
    line.setAttribute('points', pts.join(' '));
    line.setAttribute('fill', 'none');
    line.setAttribute('stroke', values[values.length - 1] >= values[0] ? '#3fb950' : '#f85149');
    svg.appendChild(line);
  }
  return svg;
}

function renderOverview() {
  const q = $('filter').value.toLowerCase();
  const bots = state.bots.filter((b) => !q || (b.name || '').toLowerCase().includes(q));
  const pages = Math.max(1, Math.ceil(bots.length / PAGE));
  state.page = Math.min(state.page, pages - 1);
  const tbody = $('bots').tBodies[0];
  tbody.replaceChildren();
  let equity = 0, total = 0, running = 0;
  for (const b of state.bots) {
    equity += b.performance ? b.performance.equity || 0 : 0;
    total += pnl(b) || 0;
    if (b.status === 'running') running++;
  }
  for (const b of bots.slice(state.page * PAGE, (state.page + 1) * PAGE)) {
    const tr = el('tr', null, 'bot-row');
    tr.dataset.name = b.name;
    const p = pnl(b);
    const cells = [b.name, b.status, b.mode, b.active_strategy, fmt(b.performance && b.performance.equity), fmt(p), position(b),
      b.last_error ? 'error' : ('hb ' + ago(b.heartbeat_age_ms))];
    cells.forEach((c, i) => {
      const td = el('td', c);
      if (i === 5 && p !== null) td.className = p >= 0 ? 'up' : 'down';
      if (i === 2) td.className = 'mode';
      tr.appendChild(td);
    });
    const spark = el('td');
    spark.className = 'sparkcell';
    tr.appendChild(spark);
    tr.addEventListener('click', () => { location.hash = '#/bot/' + encodeURIComponent(b.name); });
    tbody.appendChild(tr);
    loadSpark(b.name, spark);
  }
  $('totals').textContent = state.bots.length + ' bots, ' + running + ' running · equity ' + fmt(equity) + ' · PnL ' + fmt(total);
  $('page').textContent = (state.page + 1) + ' / ' + pages;
}

const sparkCache = new Map();
async function loadSpark(name, td) {
  let values = sparkCache.get(name);
  if (!values) {
    try {
      const r = await call('GET', '/bots/' + encodeURIComponent(name) + '/performance?limit=60');
      values = r.equity.map((m) => m.equity).reverse();
      sparkCache.set(name, values);
    } catch (e) { values = []; }
  }
  td.replaceChildren(sparkline(values));
}

async function showOverview() {
  show('overview-view');
  await loadBots();
  renderOverview();
}

// ---- bot page ----

function drawChart(canvas, series, marks) {
  const ctx = canvas.getContext('2d');
  const w = canvas.width, h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  const xs = series.map((p) => p[0]).concat(marks.map((m) => m[0]));
  const ys = series.map((p) => p[1]).concat(marks.map((m) => m[1]));
  if (xs.length === 0) return;
  const x0 = Math.min(...xs), x1 = Math.max(...xs) || x0 + 1;
  const y0 = Math.min(...ys), y1 = Math.max(...ys);
  const sx = (x) => 30 + (x - x0) * (w - 40) / ((x1 - x0) || 1);
  const sy = (y) => h - 15 - (y - y0) * (h - 30) / ((y1 - y0) || 1);
  ctx.fillStyle = '#8a9199';
  ctx.font = '11px sans-serif';
  ctx.fillText(fmt(y1), 0, 12);
  ctx.fillText(fmt(y0), 0, h - 4);
  ctx.strokeStyle = '#58a6ff';
  ctx.beginPath();
  series.forEach((p, i) => (i ? ctx.lineTo(sx(p[0]), sy(p[1])) : ctx.moveTo(sx(p[0]), sy(p[1]))));
  ctx.stroke();
  for (const [x, y, color, shape] of marks) {
    ctx.fillStyle = color;
    ctx.beginPath();
    if (shape === 'up') { ctx.moveTo(sx(x), sy(y) - 6); ctx.lineTo(sx(x) - 5, sy(y) + 4); ctx.lineTo(sx(x) + 5, sy(y) + 4); }
    else if (shape === 'down') { ctx.moveTo(sx(x), sy(y) + 6); ctx.lineTo(sx(x) - 5, sy(y) - 4); ctx.lineTo(sx(x) + 5, sy(y) - 4); }
    else { ctx.rect(sx(x) - 3, sy(y) - 3, 6, 6); }
    ctx.fill();
  }
}

function table(id, rows) {
  const tbody = $(id).tBodies[0];
  tbody.replaceChildren();
  for (const r of rows) {
    const tr = el('tr');
    for (const c of r) tr.appendChild(el('td', c));
    tbody.appendChild(tr);
  }
}

async function showBot(name) {
  show('bot-view');
  $('result').textContent = '';
  const path = '/bots/' + encodeURIComponent(name);
  const [b, candles, perf, orders] = await Promise.all([call('GET', path), call('GET', path + '/candles'),
    call('GET', path + '/performance?limit=2000'), call('GET', path + '/orders')]);
  state.bot = b;
  $('bot-name').textContent = b.name;
  $('bot-status').textContent = b.status;
  $('bot-mode').textContent = b.mode;
  $('bot-mode').className = 'pill mode';
  const sel = $('switch-to');
  sel.replaceChildren(...b.strategies.map((s) => { const o = el('option', s); o.value = s; o.selected = s === b.active_strategy; return o; }));
  // price: the candles when the store has them, else the trades' prices
  const trades = candles.trades;
  const series = candles.candles.length ? candles.candles.map((c) => [c.open_time, c.close])
    : trades.flatMap((t) => [[t.entry_time, t.entry_price], [t.exit_time, t.exit_price]]);
  const marks = [];
  for (const t of trades) {
    marks.push([t.entry_time, t.entry_price, '#3fb950', t.direction === 'short' ? 'down' : 'up']);
    marks.push([t.exit_time, t.exit_price, t.exit_reason === 'stop_loss' ? '#f85149' : '#e3b341', 'box']);
  }
  // an open position's entry and stop, at its opening time (on the candle clock)
  for (const p of b.positions) {
    if (!p.opened_at) continue;
    marks.push([p.opened_at, p.entry_price, '#58a6ff', p.direction === 'short' ? 'down' : 'up']);
    if (p.stop_price) marks.push([p.opened_at, p.stop_price, '#f85149', 'box']);
  }
  const chart = $('bot-chart');
  chart.dataset.trades = String(trades.length);
  drawChart(chart, series, marks);
  $('chart-note').textContent = trades.length + ' trades · ▲ entry, ■ exit (red: stop)' + (candles.candles.length ? '' : ' · ' + candles.candles_source);
  const eq = perf.equity.slice().reverse();
  let peak = -Infinity;
  const dd = eq.map((m) => { peak = Math.max(peak, m.equity); return [m.time, m.equity - peak]; });
  drawChart($('equity-chart'), eq.map((m) => [m.time, m.equity]), dd.map((d) => [d[0], d[1] + (eq.length ? eq[0].equity : 0), '#f8514955', 'box']));
  const health = $('health');
  health.replaceChildren();
  for (const [k, v] of [['status', b.status], ['enabled', b.enabled], ['heartbeat', ago(b.heartbeat_age_ms)], ['errors', b.error_count],
    ['last error', b.last_error || '–'], ['feed/broker', b.last_error ? 'see last error' : (b.status === 'running' ? 'ok' : b.status)]]) {
    health.appendChild(el('dt', k));
    health.appendChild(el('dd', v));
  }
  table('guards', Object.entries(b.guards || {}).map(([g, c]) => [g, 'checks ' + c.checks, 'rejected ' + c.rejections]));
  table('positions', b.positions.map((p) => [p.strategy_id, p.symbol, p.direction, fmt(p.qty, 4), fmt(p.entry_price), 'stop ' + fmt(p.stop_price)]));
  table('orders', orders.orders.map((o) => [o.client_order_id, o.side, o.type, o.status, fmt(o.qty, 4), fmt(o.price)]));
  state.tradesBefore = 0;
  $('trades').tBodies[0].replaceChildren();
  await moreTrades();
  $('feed').replaceChildren();
  subscribe({ bots: [b.name], after: Math.max(0, state.lastSeq - 50) });
}

async function moreTrades() {
  if (state.tradesBefore === null || !state.bot) return;
  const r = await call('GET', '/bots/' + encodeURIComponent(state.bot.name) + '/trades?limit=100&before=' + state.tradesBefore);
  const tbody = $('trades').tBodies[0];
  for (const t of r.trades) {
    const tr = el('tr');
    for (const c of [time(t.exit_time), t.direction, fmt(t.entry_price), fmt(t.exit_price), fmt(t.qty, 4), fmt(t.net_pnl), t.exit_reason]) tr.appendChild(el('td', c));
    tr.lastChild.previousSibling.className = t.net_pnl >= 0 ? 'up' : 'down';
    tbody.appendChild(tr);
  }
  state.tradesBefore = r.next_before;
  $('more-trades').classList.toggle('hidden', r.next_before === null);
}

async function act(path, what, body) {
  if (!confirm(what + '?')) return;
  try {
    const r = await call('POST', path, body);
    $('result').textContent = what + ': ' + r.result + (r.changed ? '' : ' (no change)');
    $('result').className = 'muted';
  } catch (e) {
    $('result').textContent = what + ' failed: ' + e.message;
    $('result').className = 'error';
  }
  route();
}

// ---- the stream ----

function connectStream() {
  if (state.ws) state.ws.close();
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(proto + '//' + location.host + API + '/stream', ['cw.v1', 'bearer.' + state.token]);
  state.ws = ws;
  ws.onopen = () => { $('live').textContent = '● live'; subscribe({}); };
  ws.onclose = (e) => {
    $('live').textContent = '○ offline (' + e.code + ')';
    if (state.ws === ws && state.token && e.code !== 1008) setTimeout(connectStream, 3000);
  };
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.subscribed) { state.lastSeq = Math.max(state.lastSeq, msg.subscribed.head); return; }
    if (!msg.seq) return;
    state.lastSeq = Math.max(state.lastSeq, msg.seq);
    if (state.bot && msg.bot === state.bot.name) {
      const li = el('li', time(msg.time) + ' ' + msg.type + ' ' + JSON.stringify(msg.payload || {}).slice(0, 160));
      li.value = msg.seq;
      $('feed').prepend(li);
      while ($('feed').children.length > 200) $('feed').lastChild.remove();
    }
    scheduleRefresh();
  };
}

function subscribe(filter) {
  if (!state.ws || state.ws.readyState !== 1) return;
  const sub = Object.assign({ after: state.lastSeq }, filter);
  state.ws.send(JSON.stringify({ subscribe: sub }));
}

function scheduleRefresh() {
  if (state.refreshTimer) return;
  state.refreshTimer = setTimeout(async () => {
    state.refreshTimer = null;
    if (!$('overview-view').classList.contains('hidden')) { sparkCache.clear(); await loadBots(); renderOverview(); }
  }, 2000);
}

// ---- routing ----

function route() {
  if (!state.token || !state.role) { show('login-view'); return; }
  const m = location.hash.match(/^#\/bot\/(.+)$/);
  const p = m ? showBot(decodeURIComponent(m[1])) : (state.bot = null, subscribe({}), showOverview());
  p.catch((e) => { $('result').textContent = e.message; $('result').className = 'error'; });
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', (e) => { e.preventDefault(); login($('token').value.trim()); });
  $('logout').addEventListener('click', () => { sessionStorage.removeItem('cw-token'); state.token = null; state.role = null; if (state.ws) state.ws.close(); show('login-view'); });
  $('filter').addEventListener('input', () => { state.page = 0; renderOverview(); });
  $('prev').addEventListener('click', () => { state.page = Math.max(0, state.page - 1); renderOverview(); });
  $('next').addEventListener('click', () => { state.page++; renderOverview(); });
  $('more-trades').addEventListener('click', moreTrades);
  $('btn-halt-all').addEventListener('click', () => act('/halt-all', 'Halt every bot'));
  $('btn-resume-all').addEventListener('click', () => act('/resume-all', 'Resume every bot'));
  for (const b of document.querySelectorAll('#controls button')) {
    b.addEventListener('click', () => {
      const name = state.bot.name, a = b.dataset.action;
      const body = a === 'switch' ? { strategy: $('switch-to').value } : undefined;
      act('/bots/' + encodeURIComponent(name) + '/' + a, b.textContent + ' ' + name, body);
    });
  }
  window.addEventListener('hashchange', route);
  if (state.token) login(state.token); else show('login-view');
});
