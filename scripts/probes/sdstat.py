import sys, subprocess, re, collections
data, np = sys.argv[1], sys.argv[2]
out = subprocess.run(['perf','sched','timehist','-i',data], capture_output=True, text=True).stdout
d = collections.defaultdict(list)
for l in out.splitlines():
    f = l.split()
    if len(f) < 6 or not re.match(r'^\d+\.\d+$', f[0]): continue
    t = f[2]
    if t == f'node[{np}]': n = 'node main'
    elif t.endswith(f'/{np}]'): n = 'node ' + t[t.index('[')+1:t.index('/')]
    elif 'shm-serve' in t: n = 'shm-serve'
    elif t.startswith('redis-server['): n = 'redis main'
    else: continue
    try: d[n].append(float(f[4])*1000)   # sch delay ms -> us
    except: pass
for n, a in sorted(d.items()):
    if len(a) < 20: continue
    a.sort(); k = len(a)
    print(f"{n:12s} wakeups={k:5d} sch-delay us p50={a[k//2]:6.1f} p90={a[int(k*.9)]:6.1f} p99={a[int(k*.99)]:7.1f} max={a[-1]:8.1f} >100us={sum(x>100 for x in a)}")
