// waitMany: one thread (the spinner worker) waits on the consumer side of many segments
// plus a control word in a SharedArrayBuffer; ringControl wakes it.
//
// Only the thread that currently owns the `in` endpoints of the listed segments may call
// waitMany (it updates their cached peer index and consumer_parked words).
#include <vector>

#include "segment.h"

namespace rshm {
namespace {


// The argument checks below run once per park of the spinner worker, so each number is
// checked and converted by one N-API call (napi_get_value_* fails on a non-number), not
// Is*() then As<>() (two), as in segment.cc.

uint32_t U32(Napi::Env env, napi_value v, const char *msg) {
  uint32_t u;
  if (napi_get_value_uint32(env, v, &u) != napi_ok) ThrowCoded(env, "ERR_ARGUMENT", msg);
  return u;
}

uint64_t Ns(const Napi::CallbackInfo &info, size_t i) {
  double d;
  if (napi_get_value_double(info.Env(), info[i], &d) != napi_ok)
    ThrowCoded(info.Env(), "ERR_ARGUMENT", "time budget must be a number");
  if (!(d >= 0) || d > 1e15) ThrowCoded(info.Env(), "ERR_ARGUMENT", "time budget out of range");
  return (uint64_t)d;
}

enum : int { kTimeout = 0, kReady = 1, kControl = 2 };

/** A producer-side space wait watched on behalf of another thread: the segment's outgoing
 *  ring's space_futex, and the value it had when that thread armed. */
struct SpaceWait {
  std::shared_ptr<NativeSegment> seg;
  uint32_t seq;
};

// One probe of everything: control word first (cheap, private), then every ring.
int Probe(const int32_t *ctrl, int32_t expected, std::vector<std::shared_ptr<NativeSegment>> &segs,
          std::vector<SpaceWait> &spaces) {
  // acquire: a changed control word makes the main thread's preceding posts visible
  if (__atomic_load_n(ctrl, __ATOMIC_ACQUIRE) != expected) return kControl;
  for (auto &s : segs) {
    if (!s) return kReady;  // closed under us: let the caller notice
    if (shm_ring_readable(&s->in) != 0) return kReady;  // data, or -1 corrupt
    if (s->State() == SHM_STATE_CLOSED) return kReady;
  }
  for (auto &w : spaces) {
    if (!w.seg) return kReady;
    // relaxed: a changed value is all we report; the owner re-checks the ring itself
    if (__atomic_load_n(&w.seg->out.ctl->space_futex, __ATOMIC_RELAXED) != w.seq) return kReady;
  }
  return kTimeout;
}

}  // namespace

// waitMany(ids, ctrl, ctrlIndex, expected, spinNs, parkNs, yieldSpin?, parkedIndex?, spaceWaits?)
//   -> 0 timeout | 1 ready | 2 control
Napi::Value WaitMany(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6 || !info[0].IsArray()) ThrowCoded(env, "ERR_ARGUMENT", "ids must be an array");
  auto ids = info[0].As<Napi::Array>();
  uint32_t nids = ids.Length();
  std::vector<std::shared_ptr<NativeSegment>> segs;
  segs.reserve(nids);
  for (uint32_t i = 0; i < nids; i++) segs.push_back(RegistryFind(U32(env, ids.Get(i), "ids must be numbers")));
  int32_t *ctrl = CtrlWord(info, 1, info[2]);
  int32_t expected;
  if (napi_get_value_int32(env, info[3], &expected) != napi_ok)
    ThrowCoded(env, "ERR_ARGUMENT", "expected must be a number");
  uint64_t spin_ns = Ns(info, 4), park_ns = Ns(info, 5);
  bool yield_spin = info.Length() > 6 && info[6].ToBoolean().Value();
  // Optional: a ctrl slot this call sets to 1 while parked, so others can tell it needs a wake.
  int32_t *parked_flag = info.Length() > 7 && !info[7].IsUndefined() ? CtrlWord(info, 1, info[7]) : nullptr;
  // Optional: [id, seq, id, seq, ...] producer-side space waits watched for their owner.
  std::vector<SpaceWait> spaces;
  if (info.Length() > 8 && info[8].IsArray()) {
    auto a = info[8].As<Napi::Array>();
    if (a.Length() % 2 != 0) ThrowCoded(env, "ERR_ARGUMENT", "spaceWaits must be [id, seq] pairs");
    for (uint32_t i = 0, n = a.Length(); i + 1 < n; i += 2) {
      uint32_t id = U32(env, a.Get(i), "spaceWaits must be numbers");
      uint32_t seq = U32(env, a.Get(i + 1), "spaceWaits must be numbers");
      spaces.push_back({RegistryFind(id), seq});
    }
  }

  // On a host with few cores the thread we just signalled (the event loop) may be queued
  // behind this spin: with yield_spin, after a short pure spin, let it run.
  int r = (int)SpinYielding([&]() -> int64_t { return Probe(ctrl, expected, segs, spaces); }, spin_ns, yield_spin);
  if (r != kTimeout) return Napi::Number::New(env, r);

  // Park: the sleeper half of the wake protocol on every ring at once.
  size_t n = segs.size() < SHM_WAITV_MAX - 1 ? segs.size() : SHM_WAITV_MAX - 1;
  size_t m = spaces.size() < SHM_WAITV_MAX - 1 - n ? spaces.size() : SHM_WAITV_MAX - 1 - n;
  std::vector<shm_waitv> w(n + m + 1);
  for (size_t i = 0; i < n; i++) {
    shm_ring_ctl *c = segs[i]->in.ctl;
    // sequence first, then announce; the full fence below orders it before the re-check
    shm_waitv_arm(&w[i], &c->consumer_parked, &c->data_futex);
    segs[i]->in.parks++;
  }
  for (size_t j = 0; j < m; j++) {
    // The owner armed with this value (its own sleeper half); a bump since makes the wait return.
    shm_waitv_set(&w[n + j], &spaces[j].seg->out.ctl->space_futex, spaces[j].seq, 0);
  }
  size_t k = n + m;
  shm_waitv_set(&w[k], reinterpret_cast<uint32_t *>(ctrl), (uint32_t)expected, SHM_FUTEX2_PRIVATE);  // SAB memory of this process
  // relaxed: a hint for the main thread (a stale value costs one needless or one missed early wake)
  if (parked_flag) __atomic_store_n(parked_flag, 1, __ATOMIC_RELAXED);
  // full fence: parked=1 stores are ordered before the re-check (pairs with the publisher's fence)
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  r = Probe(ctrl, expected, segs, spaces);
  if (r == kTimeout) {
    struct timespec ts, *tsp = nullptr;
    // More rings than futex_waitv takes: park briefly and let the caller re-probe.
    if ((segs.size() > n || spaces.size() > m) && (park_ns == 0 || park_ns > 1000000)) park_ns = 1000000;
    if (park_ns) {
      uint64_t deadline = shm_now_ns() + park_ns;
      ts.tv_sec = (time_t)(deadline / 1000000000ull);
      ts.tv_nsec = (long)(deadline % 1000000000ull);
      tsp = &ts;
    }
    long rc = shm_futex_waitv(w.data(), (unsigned)(k + 1), tsp);
    if (rc < 0 && errno == ENOSYS) {
      // Pre-5.16 kernel: wait on the control word only, re-probing the rings every 200 us.
      struct timespec rel = {0, 200000};
      syscall(SYS_futex, ctrl, FUTEX_WAIT_PRIVATE, expected, &rel, nullptr, 0);
    }
  }
  for (size_t i = 0; i < n; i++) {
    // relaxed: only a hint to the publisher; a stale 1 costs it one spurious wake
    __atomic_store_n(&segs[i]->in.ctl->consumer_parked, 0u, __ATOMIC_RELAXED);
  }
  // relaxed: the same kind of hint
  if (parked_flag) __atomic_store_n(parked_flag, 0, __ATOMIC_RELAXED);
  if (r == kTimeout) r = Probe(ctrl, expected, segs, spaces);
  return Napi::Number::New(env, r);
}

// ringControl(ctrl, index): bump the control word and wake a thread parked in waitMany.
// (V8's Atomics.notify wakes only V8 waiters, not a native futex_waitv.)
Napi::Value RingControl(const Napi::CallbackInfo &info) {
  BumpWord(CtrlWord(info, 0, info[1]));  // seq_cst bump (see BumpWord), then the futex wake
  return info.Env().Undefined();
}

}  // namespace rshm
