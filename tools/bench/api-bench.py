#!/usr/bin/env python3
"""Control API figures (a benchmark, not a test): GET /api/v1/bots with N
bots, requests per second over one keep-alive connection, without and with
100 event-stream clients connected; the big pages of one chart bot (events,
candles, trades, equity, open orders) with the slowest /livez answered meanwhile; and the
dashboard's first load bytes.

usage: tools/bench/api-bench.py BUILD_DIR [N_BOTS] [SECONDS]
"""
import base64, http.client, json, os, shutil, socket, sqlite3, subprocess, sys, tempfile, threading, time

build = sys.argv[1] if len(sys.argv) > 1 else 'build'
n_bots = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 5
exe = os.path.join(build, 'orchestration', 'services', 'candlewick')
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
tmp = tempfile.mkdtemp(prefix='cw-api-bench-')
db, tokens, port_file = (os.path.join(tmp, f) for f in ('bots.db', 'tokens', 'port'))
try:
    token = subprocess.check_output([exe, 'tokens', 'add', '--file', tokens, '--role', 'read', 'bench'], text=True).strip()
    cfg = json.load(open(os.path.join(root, 'docs', 'examples', 'ema-trend.json')))
    cfg['feed'] = {'type': 'replay', 'path': os.path.join(root, '..', 'shared', 'data', 'btcusdt-5m.csv'), 'speed': 0}
    cfg['name'] = 'bot-0'
    path = os.path.join(tmp, 'bot.json')
    json.dump(cfg, open(path, 'w'))
    subprocess.check_call([exe, 'bots', 'add', '--db', db, '--config', path, '--disabled'], stdout=subprocess.DEVNULL)
    con = sqlite3.connect(db)
    (cols,) = con.execute("SELECT group_concat(name) FROM pragma_table_info('trading_bots') WHERE name NOT IN ('id', 'name', 'config')").fetchone()
    for i in range(1, n_bots):
        cfg['name'] = 'bot-%d' % i
        con.execute('INSERT INTO trading_bots (name, config, %s) SELECT ?, ?, %s FROM trading_bots WHERE id = 1' % (cols, cols),
                    (cfg['name'], json.dumps(cfg)))
    # one disabled Bybit bot with a chart's worth of rows: 5,000 recorded
    # candles, 1,000 trades, 5,000 metrics rows, 2,000 events (half of
    # them its SIGNAL_NEW) and 1,500 orders (1,000 of them open) for the
    # big pages
    chart = dict(cfg, name='chart', feed={'type': 'bybit'})
    con.execute('INSERT INTO trading_bots (name, config, %s) SELECT ?, ?, %s FROM trading_bots WHERE id = 1' % (cols, cols),
                ('chart', json.dumps(chart)))
    (chart_id,) = con.execute("SELECT id FROM trading_bots WHERE name = 'chart'").fetchone()
    t0, step = 1700000100000, 300000
    con.executemany('INSERT INTO candles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
                    [('bybit', cfg['symbol'], '5m', t0 + i * step, 100 + i * 0.25, 101 + i * 0.25, 99.5 + i * 0.25,
                      100.125 + i * 0.25, 12.5 + i % 7) for i in range(5000)])
    con.executemany('INSERT INTO trading_trades (bot_name, bot_id, strategy_id, symbol, direction, entry_time, exit_time, '
                    'entry_price, exit_price, qty, fees, gross_pnl, net_pnl, exit_reason, created_at) '
                    'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
                    [('chart', chart_id, 'main', cfg['symbol'], 'long', t0 + 5 * i * step, t0 + (5 * i + 2) * step,
                      100.5 + i, 101.25 + i, 0.125, 0.01, 0.09, 0.08, 'signal_exit', t0) for i in range(1000)])
    con.executemany('INSERT INTO trading_performance_metrics (bot_name, bot_id, strategy_id, time, equity, balance, '
                    'realized_pnl, unrealized_pnl, trades, max_drawdown_pct) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
                    [('chart', chart_id, None, t0 + i * step, 10000 + i * 0.5, 10000 + i * 0.25, i * 0.25, 0.125,
                      i // 5, 1.5) for i in range(5000)])
    con.executemany('INSERT INTO events (time, bot_id, strategy_id, type, payload) VALUES (?, ?, ?, ?, ?)',
                    [(t0 + i * step, chart_id, 'main', 'SIGNAL_NEW' if i % 2 == 0 else 'ORDER_FILLED',
                      json.dumps({'direction': 'long', 'price': 100.5 + i, 'qty': 0.125, 'reason': 'ema cross up',
                                  'client_order_id': 'cw-%08d' % i})) for i in range(2000)])
    con.executemany('INSERT INTO orders (client_order_id, bot_id, strategy_id, symbol, side, type, purpose, qty, price, '
                    'status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
                    [('cw-bench-%06d' % i, chart_id, 'main', cfg['symbol'], 'buy', 'limit', 'entry', 0.125, 100 + i * 0.25,
                      'filled' if i % 3 == 2 else 'new', t0 + i) for i in range(1500)])
    con.commit()
    con.close()
    serve = subprocess.Popen(os.environ.get("CW_BENCH_WRAP", "").split() + [exe, 'serve', '--db', db, '--http', '127.0.0.1:0', '--api-tokens', tokens,
                              '--http-port-file', port_file], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.05)
        port = int(open(port_file).read())

        def probe(stop, out):
            # /livez on its own connection, back to back: its slowest answer
            # bounds from below the longest time the main loop was held
            c = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
            worst, n = 0.0, 0
            while not stop.is_set():
                t = time.monotonic()
                c.request('GET', '/livez')
                c.getresponse().read()
                worst, n = max(worst, time.monotonic() - t), n + 1
            out.extend([worst, n])

        def rps(label):
            c = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
            n, size, t0 = 0, 0, time.monotonic()
            stop, probed = threading.Event(), []
            prober = threading.Thread(target=probe, args=(stop, probed))
            prober.start()
            while time.monotonic() - t0 < seconds:
                c.request('GET', '/api/v1/bots?limit=1000', headers={'Authorization': 'Bearer ' + token})
                r = c.getresponse()
                body = r.read()
                assert r.status == 200, r.status
                n, size = n + 1, len(body)
            dt = time.monotonic() - t0
            stop.set()
            prober.join()
            print('GET /api/v1/bots?limit=1000, %d bots, %s: %.1f requests/s (%.1f ms each, %d bytes); '
                  'slowest of %d /livez meanwhile: %.1f ms' % (n_bots, label, n / dt, 1000 * dt / n, size, probed[1], 1000 * probed[0]))

        def page(path):
            # the big page, back to back, with /livez probed meanwhile
            c = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
            n, size, t0 = 0, 0, time.monotonic()
            stop, probed = threading.Event(), []
            prober = threading.Thread(target=probe, args=(stop, probed))
            prober.start()
            while time.monotonic() - t0 < seconds:
                c.request('GET', '/api/v1' + path, headers={'Authorization': 'Bearer ' + token})
                r = c.getresponse()
                body = r.read()
                assert r.status == 200, r.status
                n, size = n + 1, len(body)
            dt = time.monotonic() - t0
            stop.set()
            prober.join()
            if os.environ.get('CW_BENCH_DUMP'):
                # the body, to compare builds byte for byte
                name = path.strip('/').replace('/', '_').replace('?', '_')
                open(os.path.join(os.environ['CW_BENCH_DUMP'], name), 'wb').write(body)
            print('GET /api/v1%s: %.1f ms each (%d bytes); slowest of %d /livez meanwhile: %.1f ms'
                  % (path, 1000 * dt / n, size, probed[1], 1000 * probed[0]))

        for path in ('/events?limit=1000', '/bots/chart/candles?from=1700000100000&limit=5000', '/bots/chart/trades?limit=1000',
                     '/bots/chart/performance?limit=5000', '/bots/chart/orders?limit=1000'):
            page(path)
        rps('no stream client')
        clients = []
        for _ in range(100):
            s = socket.create_connection(('127.0.0.1', port))
            key = base64.b64encode(os.urandom(16)).decode()
            s.sendall(('GET /api/v1/stream?token=%s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
                       'Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n' % (token, key)).encode())
            s.recv(4096)
            msg = b'{"subscribe": {"after": 0}}'
            s.sendall(bytes([0x81, 0x80 | len(msg), 0, 0, 0, 0]) + msg)
            clients.append(s)
        time.sleep(0.5)
        rps('100 stream clients')
        for s in clients:
            s.close()
        total = 0
        for p in ('/', '/app.js', '/app.css'):
            c = http.client.HTTPConnection('127.0.0.1', port, timeout=30)
            c.request('GET', p)
            total += len(c.getresponse().read())
        print('dashboard first load: %d bytes (/, /app.js, /app.css)' % total)
    finally:
        serve.terminate()
        serve.wait(timeout=30)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
