#!/usr/bin/env python3
"""make mutants -- shows that the ring tests can fail: each mutant is one deliberate bug
in a copy of shm_ring.h (or a bug switched on in the test itself), built into
build/mutants/<name>/, and the test that should notice it is run. A mutant is "caught"
when that test fails. Not part of `make test` (slow by design: hunts run until the
watchdog fires). Exit status is non-zero if a deterministic mutant survives; the lost-wake
hunts are probabilistic and only reported.
"""
import os, shutil, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
RING = os.path.dirname(HERE)
OUT = os.path.join(RING, "build", "mutants")
# as the Makefile, but a mutant may leave a variable unused
CFLAGS = ["-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror", "-O2", "-g",
          "-Wno-unused-parameter", "-Wno-unused-variable", "-Wno-unused-but-set-variable"]
FLAVOR = {
    "plain": [],
    "asan": ["-fsanitize=address,undefined", "-fno-sanitize-recover=all"],
    "tsan": ["-fsanitize=thread", "-Wno-tsan"],
}
ENV = dict(os.environ, ASAN_OPTIONS="halt_on_error=1:detect_leaks=0:exitcode=65",
           UBSAN_OPTIONS="halt_on_error=1:exitcode=67", TSAN_OPTIONS="halt_on_error=1:exitcode=66")

# name, (old, new) in shm_ring.h or None, test, flavor, args, deterministic
MUTANTS = [
    ("tail-store-relaxed", ("__atomic_store_n(&r->ctl->tail, r->pos, __ATOMIC_RELEASE)",
                            "__atomic_store_n(&r->ctl->tail, r->pos, __ATOMIC_RELAXED)"),
     "stress_threads", "tsan", ["30000000"], True),
    ("head-store-relaxed", ("__atomic_store_n(&r->ctl->head, r->pos, __ATOMIC_RELEASE)",
                            "__atomic_store_n(&r->ctl->head, r->pos, __ATOMIC_RELAXED)"),
     "stress_threads", "tsan", ["30000000"], True),
    ("tail-load-relaxed", ("uint64_t t = __atomic_load_n(&r->ctl->tail, __ATOMIC_ACQUIRE);",
                           "uint64_t t = __atomic_load_n(&r->ctl->tail, __ATOMIC_RELAXED);"),
     "stress_threads", "tsan", ["30000000"], True),
    ("head-load-relaxed", ("uint64_t h = __atomic_load_n(&r->ctl->head, __ATOMIC_ACQUIRE);",
                           "uint64_t h = __atomic_load_n(&r->ctl->head, __ATOMIC_RELAXED);"),
     "stress_threads", "tsan", ["30000000"], True),
    ("consumer-no-backwards-check", ("if (t - r->peer > r->cap || t - r->pos > r->cap)",
                                     "if (t - r->pos > r->cap)"), "corruption", "asan", [], True),
    ("consumer-no-overfull-check", ("if (t - r->peer > r->cap || t - r->pos > r->cap)",
                                    "if (t - r->peer > r->cap)"), "corruption", "asan", [], True),
    ("producer-no-backwards-check", ("if (h - r->peer > r->cap || r->pos - h > r->cap)",
                                     "if (r->pos - h > r->cap)"), "corruption", "asan", [], True),
    ("producer-no-past-tail-check", ("if (h - r->peer > r->cap || r->pos - h > r->cap)",
                                     "if (h - r->peer > r->cap)"), "corruption", "asan", [], True),
    ("attach-trusts-indices", ("int sane = t - h <= cap;", "int sane = 1;"), "corruption", "asan", [], True),
    ("header-no-absolute-max", ("    if (max_cap > SHM_RING_MAX_CAPACITY) max_cap = SHM_RING_MAX_CAPACITY;\n", ""),
     "header_check", "plain", [], True),
    ("header-no-map-size-check", ("    if (copy->total_size != map_size) return -1;\n", "    (void)map_size;\n"),
     "header_check", "plain", [], True),
    ("write-wrap-wrong-source", ("memcpy(r->data, (const uint8_t *)buf + first, n - first);",
                                 "memcpy(r->data, buf, n - first);"), "functional", "plain", [], True),
    ("read-wrap-wrong-dest", ("memcpy((uint8_t *)buf + first, r->data, n - first);",
                              "memcpy(buf, r->data, n - first);"), "functional", "plain", [], True),
    ("wake-producer-never", ("    if (__atomic_load_n(&r->ctl->producer_parked, __ATOMIC_RELAXED) == 0) return 0;",
                             "    return 0;"), "lost_wake", "plain", [], True),
    ("wake-consumer-never-procs", ("    if (__atomic_load_n(&r->ctl->consumer_parked, __ATOMIC_RELAXED) == 0) return 0;",
                                   "    return 0;"), "stress_procs", "plain", [], True),
    ("park-forgets-flag", ("    __atomic_store_n(parked, 1, __ATOMIC_RELAXED);\n", ""), "lost_wake", "plain", [], True),
    ("park-reads-seq-late", ("    shm_futex_wait(futex, seq, park_ns ? &ts : NULL);",
                             "    shm_futex_wait(futex, __atomic_load_n(futex, __ATOMIC_ACQUIRE), park_ns ? &ts : NULL);"),
     "lost_wake", "plain", [], False),
    ("publisher-no-fence", ("    /* full fence: our tail store is ordered before our load of consumer_parked (pairs with the sleeper's fence) */\n"
                            "    __atomic_thread_fence(__ATOMIC_SEQ_CST);\n", ""), "lost_wake", "plain", [], False),
    ("sleeper-no-fence", ("    /* full fence: our parked=1 store is ordered before the re-check load (pairs with the publisher's fence) */\n"
                          "    __atomic_thread_fence(__ATOMIC_SEQ_CST);\n", ""), "lost_wake", "plain", [], False),
    # bugs switched on inside the test (the header is unchanged)
    ("test-flag-read-before-publish", None, "lost_wake", "plain", ["--mutant"], False),
    ("test-publisher-no-fence", None, "lost_wake", "plain", ["--mutant=nofence"], False),
    ("test-space-waker-no-fence", None, "lost_wake", "plain", ["--mutant=space-nofence"], False),
]


def build(name, edit, test, flavor):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(HERE, os.path.join(d, "test"), ignore=shutil.ignore_patterns("*.py", "*.sh"))
    src = open(os.path.join(RING, "shm_ring.h")).read()
    if edit:
        old, new = edit
        if src.count(old) != 1:
            raise SystemExit(f"mutant {name}: the text to change occurs {src.count(old)} times in shm_ring.h")
        src = src.replace(old, new)
    open(os.path.join(d, "shm_ring.h"), "w").write(src)
    exe = os.path.join(d, test)
    cc = os.environ.get("CC", "gcc")
    subprocess.run([cc] + CFLAGS + FLAVOR[flavor] + [os.path.join(d, "test", test + ".c"), "-o", exe,
                    "-lpthread", "-lrt"], check=True)
    return exe


def main():
    os.makedirs(OUT, exist_ok=True)
    only = sys.argv[1:]
    caught = missed = hunts_missed = 0
    for name, edit, test, flavor, args, deterministic in MUTANTS:
        if only and name not in only:
            continue
        exe = build(name, edit, test, flavor)
        t0 = time.time()
        try:
            r = subprocess.run([exe] + args, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=120, text=True)
            rc, out = r.returncode, r.stdout
        except subprocess.TimeoutExpired:
            rc, out = "timeout", ""
        secs = time.time() - t0
        lines = [l for l in out.splitlines() if l.strip()]
        why = next((l for l in lines if "CHECK" in l or "STALL" in l or "WARNING" in l or "ERROR" in l
                    or "SEGV" in l), lines[-1] if lines else "")
        if rc != 0:
            caught += 1
            print(f"caught  {name:32s} {test}.{flavor:5s} {secs:5.1f}s  exit {rc}: {why.strip()[:90]}")
        else:
            if deterministic:
                missed += 1
            else:
                hunts_missed += 1
            print(f"{'MISSED' if deterministic else 'missed'}  {name:32s} {test}.{flavor:5s} {secs:5.1f}s"
                  f"{'' if deterministic else '  (a hunt: probabilistic)'}")
    print(f"mutants: {caught} caught, {missed} missed, {hunts_missed} probabilistic hunts missed")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
