#!/bin/sh
# make bench: runs the ring benchmarks as one side-by-side matrix, ROUNDS times
# interleaved (config A, B, C, ... then again), so that peers see the same machine load.
# Prints every raw line, then a summary: per configuration the median and the best over
# the rounds. This is a script that reports figures; it does not pass or fail.
#   sh bench/run.sh BUILD_DIR        (ROUNDS=5 sh bench/run.sh build for more rounds)
set -eu
# a benchmark that fails must stop the script, not vanish behind tee
run() { out=$("$@") || { echo "bench failed: $*" >&2; exit 1; }; echo "$out" | tee -a "$raw"; }
B=${1:-build}
ROUNDS=${ROUNDS:-3}
raw=$(mktemp)
trap 'rm -f "$raw"' EXIT

echo "# ring benchmarks: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), rounds=$ROUNDS"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"

PP="pin|procs pin|n=100000|procs|pin n=1000 interval_us=1000 sspin=0|procs pin n=1000 interval_us=1000 sspin=0|pin n=1000 interval_us=1000 sspin=50000|pin n=20000 cspin=0 sspin=0|procs pin n=20000 cspin=0 sspin=0"
ST="64|1024|16384|262144"

r=1
while [ "$r" -le "$ROUNDS" ]; do
  echo "## round $r"
  run "$B/costs"
  IFS='|'
  for args in $PP; do
    IFS=' '
    # shellcheck disable=SC2086
    run "$B/pingpong" n=100000 $args
    IFS='|'
  done
  for ch in $ST; do
    IFS=' '
    bytes=536870912
    [ "$ch" -lt 1024 ] && bytes=134217728
    for mode in "pin" "procs pin" "pin park" "procs pin park"; do
      # shellcheck disable=SC2086
      run "$B/stream" $mode chunk=$ch bytes=$bytes
    done
    IFS='|'
  done
  IFS=' '
  r=$((r + 1))
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "## summary (median / best over $ROUNDS rounds; min is the best min)"
echo
echo "| round trip, 16-byte message | min us | p50 us median / best | p99 us | p99.9 us | server parks per request |"
echo "|---|---:|---:|---:|---:|---:|"
grep '^pingpong' "$raw" | awk '
  function med(s,   a, n, i, j, t) { n = split(s, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }; return a[int((n + 1) / 2)] }
  function best(s,   a, n, i, b) { n = split(s, a, " "); b = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 < b + 0) b = a[i]; return b }
  {
    split($0, halves, " \\| "); key = halves[1]; sub(/^pingpong +/, "", key); gsub(/ +/, " ", key); sub(/ n=[0-9]+$/, "", key)
    for (i = 1; i <= NF; i++) {
      if ($i == "min") mn[key] = mn[key] " " $(i + 1)
      if ($i == "p50") p50[key] = p50[key] " " $(i + 1)
      if ($i == "p99") p99[key] = p99[key] " " $(i + 1)
      if ($i == "p99.9") p999[key] = p999[key] " " $(i + 1)
      if ($i == "parks" && $(i - 1) == "server") { pk = $(i + 1); sub(/,/, "", pk); parks[key] = pk }
    }
    n = $0; sub(/.* n=/, "", n); sub(/ .*/, "", n); nreq[key] = n
    if (!(key in seen)) { seen[key] = 1; order[++k] = key }
  }
  END {
    for (i = 1; i <= k; i++) { x = order[i]
      w = nreq[x] / 10 < 1000 ? int(nreq[x] / 10) : 1000
      printf "| %s | %s | %s / %s | %s / %s | %s / %s | %.2f |\n", x, best(mn[x]), med(p50[x]), best(p50[x]), med(p99[x]), best(p99[x]), med(p999[x]), best(p999[x]), parks[x] / (nreq[x] + w) }
  }'
echo
echo "single-thread costs, one line per round:"
grep '^costs' "$raw" | sed 's/^costs | //'
echo
echo "| one-way stream | chunk bytes | GB/s median | GB/s best |"
echo "|---|---:|---:|---:|"
grep '^stream' "$raw" | awk '
  {
    key = $2 " " $3 " " $4; ch = $5; sub(/chunk=/, "", ch); k2 = key SUBSEP ch
    v[k2] = v[k2] " " $7
    if (!(k2 in seen)) { seen[k2] = 1; order[++k] = k2 }
  }
  END {
    for (i = 1; i <= k; i++) { split(order[i], kk, SUBSEP); n = split(v[order[i]], a, " ")
      for (x = 1; x <= n; x++) for (y = x + 1; y <= n; y++) if (a[y] + 0 < a[x] + 0) { t = a[x]; a[x] = a[y]; a[y] = t }
      printf "| %s | %s | %s | %s |\n", kk[1], kk[2], a[int((n + 1) / 2)], a[n] }
  }' | sort -t'|' -k3,3n -k2,2
