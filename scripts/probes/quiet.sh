#!/bin/bash
# wait until the host is >=90% idle over 1 s (max 120 s)
for i in $(seq 1 120); do
  a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
  t=0; for k in 1 2 3 4 5 6 7 8; do t=$((t + b[k] - a[k])); done
  idle=$(( (b[4]-a[4]) * 100 / t ))
  if [ $idle -ge 90 ]; then echo "quiet (idle $idle%) after ${i}s" >&2; exit 0; fi
done
echo "not quiet after 120s (idle $idle%)" >&2
