#!/usr/bin/env bash
# Measurements quoted in docs/module.md. Starts its own redis-server with the module on
# a free port, runs tools/shm-bench (ring and tcp side by side in each run) and the idle
# CPU check, prints everything. Usage: native/module/tools/measure.sh [quick]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mod="$here/../redis-shm.so"
bench="$here/shm-bench"
cli="$here/shm-cli"
make -s -C "$here/.." >/dev/null
dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --dir "$dir" --logfile "$dir/log" --daemonize yes \
  --pidfile "$dir/pid" --loadmodule "$mod" >/dev/null
trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
pid=$(cat "$dir/pid")
n=${1:-full}
N=20000; M=300; P=200000; IDLE=10
if [ "$n" = quick ]; then N=2000; M=50; P=20000; IDLE=3; fi

echo "# $(date -u +%FT%TZ) $(nproc) cpus, load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## round trip, client spinning"
"$bench" -p "$port" ping "$N"
echo "## round trip, client parking (futex) -- server spin-us sweep"
for s in 0 50 200; do
  redis-cli -p "$port" config set shm.spin-us "$s" >/dev/null
  echo "shm.spin-us=$s"; "$bench" -p "$port" -w park ping $((N / 4))
done
redis-cli -p "$port" config set shm.spin-us 50 >/dev/null   # back to the default
echo "## lock hold per batch so far (single-command batches; INFO shm)"
redis-cli -p "$port" info shm | grep -E 'lock_hold|lock_holds|commands' | tr -d '\r'
echo "## side effects on other clients (producer alternates ring / tcp; ring client parks)"
"$bench" -p "$port" -w park blpop "$M"
"$bench" -p "$port" -w park publish "$M"
rport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$dir/replica"
redis-server --port "$rport" --bind 127.0.0.1 --save '' --dir "$dir/replica" --logfile "$dir/replica/log" \
  --daemonize yes --replicaof 127.0.0.1 "$port" >/dev/null
for _ in $(seq 100); do redis-cli -p "$rport" info replication 2>/dev/null | grep -q 'master_link_status:up' && break; sleep 0.1; done
"$bench" -p "$port" -R "$rport" -w park replica "$M"
redis-cli -p "$rport" shutdown nosave >/dev/null 2>&1 || true
echo "## pipelined throughput"
"$bench" -p "$port" pipeline "$P"
echo "## socket client latency alone, then while an shm client pipelines SETs (redis-benchmark, 1 connection)"
redis-benchmark -p "$port" -c 1 -n $((N / 2)) -t ping_mbulk 2>/dev/null | tr '\r' '\n' | grep -A2 'latency summary' | tail -2
"$bench" -p "$port" pipeline $((P * 10)) >/dev/null &
load=$!
sleep 0.3
redis-benchmark -p "$port" -c 1 -n $((N / 2)) -t ping_mbulk 2>/dev/null | tr '\r' '\n' | grep -A2 'latency summary' | tail -2
kill "$load" 2>/dev/null || true; wait "$load" 2>/dev/null || true
echo "## lock hold per batch, cumulative incl. the pipelined batches (INFO shm)"
redis-cli -p "$port" info shm | grep -E 'lock_hold|lock_holds|commands|nudges' | tr -d '\r'
echo "## idle CPU over ${IDLE}s with 3 idle sessions"
for _ in 1 2 3; do (echo open; sleep $((IDLE + 3))) | "$cli" -p "$port" >/dev/null & done
sleep 1
t0=$(awk '{print $14+$15}' "/proc/$pid/stat")
sleep "$IDLE"
t1=$(awk '{print $14+$15}' "/proc/$pid/stat")
echo "sessions: $(redis-cli -p "$port" info shm | grep '^shm_sessions:' | tr -d '\r')"
awk -v a="$t0" -v b="$t1" -v s="$IDLE" 'BEGIN { printf "redis-server CPU: %d ticks in %ds = %.2f%%\n", b - a, s, (b - a) / s }'
wait
