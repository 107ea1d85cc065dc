#!/usr/bin/env bash
# Runs each fuzzer for a fixed budget and keeps every crashing input as a regression fixture.
#
#   scripts/fuzz.sh SECONDS [parse|ring|resp ...]     (default: all three)
#
#   parse  libFuzzer + ASan/UBSan on the module's request parser (native/fuzz/fuzz_parse.c)
#   ring   libFuzzer + ASan/UBSan on the ring with hostile indices (native/fuzz/fuzz_ring.c)
#   resp   the JS loop on the RESP reader (test/fuzz/resp-loop.fuzz.ts, through vitest)
#
# Crashes land in native/fuzz/corpus-crashes/<target>/ and test/fuzz/fixtures/; npm test
# replays them (test/fuzz/replay.test.ts). The working corpus lives in $FUZZ_WORK (default
# /tmp/redis-shm-fuzz), seeded from native/fuzz/corpus/<target>/. Prints one summary line
# per target: "fuzz <target>: <runs> runs in <s> s, <n> crashes". Not part of npm test.
# Needs clang with libFuzzer (Debian: clang, libclang-rt-14-dev); installs them with
# apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

if [ $# -lt 1 ] || ! [[ $1 =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz.sh SECONDS [parse|ring|resp ...]" >&2
  exit 2
fi
SECONDS_EACH=$1
shift
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(parse ring resp)
WORK=${FUZZ_WORK:-/tmp/redis-shm-fuzz}
mkdir -p "$WORK"

have_libfuzzer() {
  command -v clang >/dev/null 2>&1 || return 1
  echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' > "$WORK/probe.c"
  clang -fsanitize=fuzzer "$WORK/probe.c" -o "$WORK/probe" >/dev/null 2>&1
}

build_c() {   # build_c <target>
  local t=$1 extra=()
  [ "$t" = parse ] && extra=(native/module/parse.c)
  # the allocator hooks parse.c calls (libc by default), when the module has them
  [ "$t" = parse ] && [ -f native/module/alloc.c ] && extra+=(native/module/alloc.c)
  clang -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -std=c11 -D_GNU_SOURCE -I native/ring -I native/module \
    "native/fuzz/fuzz_$t.c" "${extra[@]}" -o "$WORK/fuzz_$t"
}

run_c() {   # run_c <target> <max_len>
  local t=$1 maxlen=$2 crashes="native/fuzz/corpus-crashes/$1"
  mkdir -p "$WORK/corpus-$t" "$crashes"
  cp -n native/fuzz/corpus/"$t"/* "$WORK/corpus-$t/" 2>/dev/null || true
  local before
  before=$(find "$crashes" -type f ! -name '.*' | wc -l)
  # -fork keeps going after a crash; each crash is written to $crashes by -artifact_prefix
  set +e
  "$WORK/fuzz_$t" -max_total_time="$SECONDS_EACH" -max_len="$maxlen" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -artifact_prefix="$crashes/" "$WORK/corpus-$t" >"$WORK/log-$t" 2>&1
  set -e
  local runs after
  # with -fork the per-job counts are summed in the "FUZZER: ... total execs" style lines
  runs=$(grep -oE '#[0-9]+' "$WORK/log-$t" | tr -d '#' | sort -n | tail -1)
  after=$(find "$crashes" -type f ! -name '.*' | wc -l)
  echo "fuzz $t: ${runs:-0} runs in $SECONDS_EACH s, $((after - before)) crashes (log: $WORK/log-$t)"
}

for t in "${TARGETS[@]}"; do
  case $t in
    parse|ring)
      if ! have_libfuzzer; then
        echo "fuzz.sh: clang with libFuzzer missing; installing clang and libclang-rt-14-dev" >&2
        apt-get install -y clang libclang-rt-14-dev >/dev/null 2>&1 \
          || { apt-get update >/dev/null && apt-get install -y clang libclang-rt-14-dev >/dev/null; }
        have_libfuzzer || { echo "fuzz.sh: clang -fsanitize=fuzzer still does not link" >&2; exit 1; }
      fi
      build_c "$t"
      if [ "$t" = parse ]; then run_c parse 4096; else run_c ring 512; fi
      ;;
    resp)
      FUZZ_SECONDS=$SECONDS_EACH npx vitest run --config test/fuzz/vitest.fuzz.config.ts 2>&1 \
        | tee "$WORK/log-resp" | grep -oE '(fuzz resp: seed=[0-9]|crash kept).*' || true
      ;;
    *) echo "fuzz.sh: unknown target $t (parse, ring, resp)" >&2; exit 2 ;;
  esac
done
