import sys, subprocess, re, collections
data, np, rp = sys.argv[1], sys.argv[2], sys.argv[3]
out = subprocess.run(['perf','sched','timehist','-i',data], capture_output=True, text=True).stdout
cnt = collections.Counter(); run = collections.Counter(); sd = collections.defaultdict(list)
for l in out.splitlines():
    f = l.split()
    if len(f) < 6 or not re.match(r'^\d+\.\d+$', f[0]): continue
    t = f[2]
    if t == f'node[{np}]': n = 'node main'
    elif t.endswith(f'/{np}]'): n = 'node thread ' + t[t.index('[')+1:t.index('/')]
    elif t.endswith(f'/{rp}]') or t == f'redis-server[{rp}]': n = t.split('[')[0] + (' main' if t == f'redis-server[{rp}]' else '')
    else: continue
    cnt[n] += 1; run[n] += float(f[5]); sd[n].append(float(f[4])*1000)
for n in sorted(cnt, key=lambda k: -cnt[k]):
    if cnt[n] < 10: continue
    a = sorted(sd[n])
    print(f"  {n:22s} sched-ins {cnt[n]:6d}  run {run[n]:8.1f} ms  sch-delay p50 {a[len(a)//2]:5.1f} us")
