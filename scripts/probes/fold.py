import sys, subprocess, collections
data, comm, depth = sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 4
out = subprocess.run(['perf','script','-i',data,'-F','comm,tid,ip,sym'], capture_output=True, text=True).stdout
c = collections.Counter(); tot = 0
for blk in out.split('\n\n'):
    ls = [l.strip() for l in blk.strip().split('\n') if l.strip()]
    if not ls: continue
    if not ls[0].startswith(comm): continue
    fr = []
    for l in ls[1:]:
        p = l.split(None, 1)
        s = p[1] if len(p) > 1 else '?'
        s = s.split('+')[0].split('(')[0].strip()
        if s in ('[unknown]',): continue
        fr.append(s)
    tot += 1
    c[' <- '.join(fr[:depth])] += 1
for k, v in c.most_common(14): print(f"{100*v/tot:5.1f}%  {k[:200]}")
print('samples', tot)
