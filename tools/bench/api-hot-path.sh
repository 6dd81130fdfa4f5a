#!/bin/bash
# Instructions spent in the per-candle path (cw_bot_runtime_on_candle,
# inclusive, counted by callgrind) for one bot replaying btcusdt-5m, with
# and without 100 event-stream clients connected (a benchmark, not a test).
# usage: tools/bench/api-hot-path.sh BUILD_DIR OUTDIR 0|1   (1: with clients)
set -e
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
C=$(cd "$1" && pwd)/orchestration/services/candlewick; D=$2; W=$3
rm -rf $D; mkdir -p $D
python3 - $D "$ROOT" <<'PY'
import json,sys
d=json.load(open(sys.argv[2]+'/docs/examples/ema-trend.json'))
d['name']='a'; d['feed']={'type':'replay','path':sys.argv[2]+'/../shared/data/btcusdt-5m.csv','speed':0}
json.dump(d,open(sys.argv[1]+'/a.json','w'))
PY
$C bots add --db $D/db --config $D/a.json --disabled >/dev/null
T=$($C tokens add --file $D/tok --role read r)
valgrind --tool=callgrind --toggle-collect=cw_bot_runtime_on_candle --callgrind-out-file=$D/cg.out \
  $C serve --db $D/db --http 127.0.0.1:0 --api-tokens $D/tok --http-port-file $D/port --poll-interval 0.5 >$D/log 2>&1 &
VP=$!
for i in $(seq 1 600); do [ -s $D/port ] && break; sleep 0.1; done
P=$(cat $D/port)
python3 - $P $T $W $D $VP "$C" <<'PY' &
import socket,sys,time,os,base64,subprocess
port,tok,w,d=int(sys.argv[1]),sys.argv[2],sys.argv[3]=='1',sys.argv[4]
cl=[]
if w:
    for _ in range(100):
        s=socket.create_connection(('127.0.0.1',port))
        s.sendall(('GET /api/v1/stream?token=%s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n'%(tok,base64.b64encode(os.urandom(16)).decode())).encode())
        s.recv(4096); m=b'{"subscribe": {"after": 0}}'; s.sendall(bytes([0x81,0x80|len(m),0,0,0,0])+m); s.setblocking(False); cl.append(s)
# start the bot only now, with the clients connected
subprocess.check_call([sys.argv[6],'bots','enable','--db',d+'/db','a'],stdout=subprocess.DEVNULL)
t0=time.time(); n=0
while time.time()-t0<900:
    for s in cl:
        try:
            while True:
                b=s.recv(1<<16)
                if not b: break
                n+=len(b)
        except BlockingIOError: pass
        except OSError: pass
    time.sleep(0.01)
    r=subprocess.run(['sqlite3',d+'/db',"SELECT count(*) FROM bot_state WHERE key='stop_reason' AND value='feed ended'"],capture_output=True,text=True)
    if r.stdout.strip()=='1':
        os.kill(int(sys.argv[5]),15); break
print('stream bytes received', n)
PY
PYP=$!
wait $VP || true
kill $PYP 2>/dev/null || true
callgrind_annotate $D/cg.out 2>/dev/null | grep -m1 "PROGRAM TOTALS"
sqlite3 $D/db "SELECT count(*) FROM trading_trades"
grep -c . $D/log
