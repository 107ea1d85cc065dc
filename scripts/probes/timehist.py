# The rows of `perf sched timehist -i DATA`, shared by sdstat.py and wk.py:
# (task field such as "node[123/125]", scheduling delay ms, run time ms or None).
import re, subprocess

def rows(data):
    out = subprocess.run(['perf', 'sched', 'timehist', '-i', data], capture_output=True, text=True).stdout
    for l in out.splitlines():
        f = l.split()
        if len(f) < 6 or not re.match(r'^\d+\.\d+$', f[0]): continue
        try: delay = float(f[4])
        except ValueError: continue
        try: run = float(f[5])
        except ValueError: run = None
        yield f[2], delay, run

def node_thread(task, node_pid, main='node main', prefix='node '):
    """'node main' for the process's main thread, prefix + tid for its other threads, else None."""
    if task == f'node[{node_pid}]': return main
    if task.endswith(f'/{node_pid}]'): return prefix + task[task.index('[') + 1:task.index('/')]
    return None
