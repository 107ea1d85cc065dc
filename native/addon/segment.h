// N-API wrapper of one NativeSegment handle. Thin: argument checks only as a last line
// of defence (src/native validates first), no protocol logic.
#pragma once

#include <napi.h>

#include <climits>
#include <memory>
#include <sched.h>

#include "native_segment.h"

namespace rshm {

// Spinning waits spin this long before they start yielding the core (see SpinYielding).
constexpr uint64_t kPureSpinNs = 2000;

// Spins on `probe` for up to spin_ns. With `yield`, after the first kPureSpinNs it calls
// sched_yield() every 64 probes: with two cores, the thread we wait for may be queued behind
// our own spin, and a pure spin then costs its whole budget on every hand-off; a quick reply
// from another core still lands in the pure part. Returns the last probe.
template <typename Probe>
inline int64_t SpinYielding(Probe probe, uint64_t spin_ns, bool yield) {
  int64_t v = probe();
  if (v != 0 || spin_ns == 0) return v;
  uint64_t start = shm_now_ns();
  for (uint32_t i = 1;; i++) {
    shm_cpu_relax();
    v = probe();
    if (v != 0) return v;
    if ((i & 63) == 0) {
      uint64_t spent = shm_now_ns() - start;
      if (spent >= spin_ns) return 0;
      if (yield && spent >= kPureSpinNs) sched_yield();
    }
  }
}

// Throws a JS Error whose `code` is one of our stable codes.
[[noreturn]] void ThrowCoded(Napi::Env env, const char *code, const std::string &msg);

// Wakes every native waiter (a futex wait or futex_waitv) on a SharedArrayBuffer word of this
// process. V8's Atomics.notify reaches only V8 waiters.
inline void WakeWord(int32_t *word) { syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, nullptr, nullptr, 0); }

// Bumps the word and wakes its native waiters: a waiter that read the old value before
// sleeping either fails its compare or is woken.
inline void BumpWord(int32_t *word) {
  // seq_cst: the bump is ordered after everything the caller stored before ringing
  __atomic_fetch_add(word, 1, __ATOMIC_SEQ_CST);
  WakeWord(word);
}

// &ctrl[index] for ctrl = info[arr], an Int32Array (over a SharedArrayBuffer), and an index
// inside it; throws ERR_ARGUMENT otherwise. The control-word argument of waitMany,
// ringControl, wakeWaiters and BellWatcher.
int32_t *CtrlWord(const Napi::CallbackInfo &info, size_t arr, Napi::Value index);

class Segment : public Napi::ObjectWrap<Segment> {
 public:
  static Napi::Function Init(Napi::Env env);
  static Napi::Value Create(const Napi::CallbackInfo &info);
  static Napi::Value Attach(const Napi::CallbackInfo &info);
  static Napi::Value OpenPeer(const Napi::CallbackInfo &info);

  explicit Segment(const Napi::CallbackInfo &info);
  ~Segment() override;

 private:
  static Napi::Value Wrap(Napi::Env env, std::shared_ptr<NativeSegment> seg, bool owner);
  static Napi::Value RegisterAndWrap(Napi::Env env, const std::shared_ptr<NativeSegment> &seg);
  static void CleanupHook(void *arg);
  NativeSegment &Live(Napi::Env env);  // throws ERR_CLOSED after close()
  void Release();

  Napi::Value Id(const Napi::CallbackInfo &info);
  Napi::Value Name(const Napi::CallbackInfo &info);
  Napi::Value Token(const Napi::CallbackInfo &info);
  Napi::Value Role(const Napi::CallbackInfo &info);
  Napi::Value Capacities(const Napi::CallbackInfo &info);
  Napi::Value Unlink(const Napi::CallbackInfo &info);
  Napi::Value Write(const Napi::CallbackInfo &info);
  Napi::Value Read(const Napi::CallbackInfo &info);
  Napi::Value Readable(const Napi::CallbackInfo &info);
  Napi::Value Writable(const Napi::CallbackInfo &info);
  Napi::Value WakePeerData(const Napi::CallbackInfo &info);
  Napi::Value WakePeerSpace(const Napi::CallbackInfo &info);
  Napi::Value WaitData(const Napi::CallbackInfo &info);
  Napi::Value WaitSpace(const Napi::CallbackInfo &info);
  Napi::Value ArmSpace(const Napi::CallbackInfo &info);
  Napi::Value DisarmSpace(const Napi::CallbackInfo &info);
  Napi::Value SpaceSeq(const Napi::CallbackInfo &info);
  Napi::Value State(const Napi::CallbackInfo &info);
  Napi::Value CloseReason(const Napi::CallbackInfo &info);
  Napi::Value SessionId(const Napi::CallbackInfo &info);
  Napi::Value MarkClosed(const Napi::CallbackInfo &info);
  Napi::Value SetClientFlags(const Napi::CallbackInfo &info);
  Napi::Value Counters(const Napi::CallbackInfo &info);
  Napi::Value Close(const Napi::CallbackInfo &info);
  Napi::Value IsClosed(const Napi::CallbackInfo &info);

  std::shared_ptr<NativeSegment> seg_;
  bool owner_ = false;   // the creating handle: removes the registry entry on close
  bool hooked_ = false;  // env cleanup hook registered
  napi_env env_ = nullptr;
};

}  // namespace rshm
