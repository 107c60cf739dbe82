# A redis-server for 43-limit_redis on 127.0.0.1:6391, no persistence,
# stopped when bench/run ends.  No header lines: the case needs none.

port=6391

if ! command -v redis-server >/dev/null; then
    echo "43-limit_redis: no redis-server (util/deps.sh)" >&2
    exit 1
fi

if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "43-limit_redis: port $port is taken" >&2
    exit 1
fi

redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --dir "$BENCH_TMP" --daemonize no >"$BENCH_TMP/redis.log" 2>&1 &
pid=$!

# the watchdog: redis goes with the run, bench/run (this script's parent
# is bench.py's "prepare", which returns before the measurements)
run=$(ps -o ppid= -p "$PPID" | tr -d ' ')
( while kill -0 "$run" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do
      sleep 1
  done
  kill "$pid" 2>/dev/null ) </dev/null >/dev/null 2>&1 &
disown -a

for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && exit 0
    sleep 0.1
done

echo "43-limit_redis: redis-server did not start" >&2
exit 1
