# Sched-ins, run time and scheduling delay per thread of the node and redis-server processes:
# python3 wk.py DATA NODE_PID REDIS_PID
import sys, collections
from timehist import rows, node_thread
data, np, rp = sys.argv[1], sys.argv[2], sys.argv[3]
cnt = collections.Counter(); run = collections.Counter(); sd = collections.defaultdict(list)
for t, delay_ms, run_ms in rows(data):
    n = node_thread(t, np, prefix='node thread ')
    if n is None:
        if t.endswith(f'/{rp}]') or t == f'redis-server[{rp}]': n = t.split('[')[0] + (' main' if t == f'redis-server[{rp}]' else '')
        else: continue
    cnt[n] += 1; run[n] += run_ms or 0.0; sd[n].append(delay_ms * 1000)
for n in sorted(cnt, key=lambda k: -cnt[k]):
    if cnt[n] < 10: continue
    a = sorted(sd[n])
    print(f"  {n:22s} sched-ins {cnt[n]:6d}  run {run[n]:8.1f} ms  sch-delay p50 {a[len(a)//2]:5.1f} us")
