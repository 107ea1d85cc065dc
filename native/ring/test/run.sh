#!/bin/sh
# Runs each ring test binary given as "name=command args", prints one line per test and
# a final "ring: N passed, M failed"; exits non-zero if anything failed. Sanitizer
# reports are fatal (see the *_OPTIONS below), and each test has a wall-clock cap.
ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1:exitcode=65
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=67
TSAN_OPTIONS=halt_on_error=1:exitcode=66:second_deadlock_stack=1
export ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS
pass=0
fail=0
log=$(mktemp)
for t in "$@"; do
  name=${t%%=*}
  cmd=${t#*=}
  start=$(date +%s%N)
  if timeout -k 5 120 $cmd >"$log" 2>&1; then
    pass=$((pass + 1))
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    printf 'ok   %-22s %3d.%01ds  %s\n' "$name" $((ms / 1000)) $((ms % 1000 / 100)) "$(tail -n 1 "$log")"
  else
    rc=$?
    fail=$((fail + 1))
    printf 'FAIL %-24s exit %s\n' "$name" "$rc"
    tail -n 40 "$log" | sed 's/^/     | /'
  fi
done
rm -f "$log"
echo "ring: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
