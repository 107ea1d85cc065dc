# Scheduling delay per thread from a `perf sched record` file: python3 sdstat.py DATA NODE_PID
import sys, collections
from timehist import rows, node_thread
data, np = sys.argv[1], sys.argv[2]
d = collections.defaultdict(list)
for t, delay_ms, _ in rows(data):
    n = node_thread(t, np)
    if n is None:
        if 'shm-serve' in t: n = 'shm-serve'
        elif t.startswith('redis-server['): n = 'redis main'
        else: continue
    d[n].append(delay_ms * 1000)   # sch delay ms -> us
for n, a in sorted(d.items()):
    if len(a) < 20: continue
    a.sort(); k = len(a)
    print(f"{n:12s} wakeups={k:5d} sch-delay us p50={a[k//2]:6.1f} p90={a[int(k*.9)]:6.1f} p99={a[int(k*.99)]:7.1f} max={a[-1]:8.1f} >100us={sum(x>100 for x in a)}")
