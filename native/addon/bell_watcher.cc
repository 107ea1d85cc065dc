// BellWatcher: a native thread that sleeps on a doorbell word in a SharedArrayBuffer
// (a real futex wait) and calls a JS function on the owning thread's event loop through a
// node-addon-api ThreadSafeFunction each time the word changes. It is the wake path of the
// native adapter (adapters/native.ts), in place of Atomics.waitAsync.
//
//   new BellWatcher(ctrl: Int32Array, index: number, callback: () => void)
//   .close()      stop the thread and release the function; idempotent
//   .isClosed()
//   .calls()      callbacks queued so far (diagnostics and tests)
//
// At most one callback is pending at a time: a change seen while one is queued is left to
// it, because the callback clears `pending` before it runs, so whatever it then reads was
// published before the change the thread saw. The function is unref'd (an open watcher never
// keeps the process alive). The word's writer must wake it with a real futex wake
// (addon.wakeWaiters or ringControl): V8's Atomics.notify reaches only V8 waiters.
#include <thread>

#include "segment.h"

namespace rshm {
namespace {

// What the thread and the queued calls share. Owned by the ThreadSafeFunction: freed by its
// finalizer, after the last queued call ran, so a call never outlives it.
struct BellState {
  int32_t pending = 0;   // 1 while a callback is queued and has not started
  int32_t closing = 0;   // 1 asks the thread to leave
};

void CallJs(Napi::Env env, Napi::Function fn, BellState *st, void *) {
  // seq_cst: cleared before the JS runs, ordered against the thread's exchange (see the top)
  __atomic_store_n(&st->pending, 0, __ATOMIC_SEQ_CST);
  if (env == nullptr || fn.IsEmpty()) return;  // torn down: nothing to call
  fn.Call({});
}

using Tsfn = Napi::TypedThreadSafeFunction<BellState, void, CallJs>;

class BellWatcher : public Napi::ObjectWrap<BellWatcher> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "BellWatcher", {
      InstanceMethod<&BellWatcher::Close>("close"),
      InstanceMethod<&BellWatcher::IsClosed>("isClosed"),
      InstanceMethod<&BellWatcher::Calls>("calls"),
    });
  }

  explicit BellWatcher(const Napi::CallbackInfo &info) : Napi::ObjectWrap<BellWatcher>(info) {
    Napi::Env env = info.Env();
    int32_t *word = CtrlWord(info, 0, info[1]);
    if (!info[2].IsFunction()) ThrowCoded(env, "ERR_ARGUMENT", "callback must be a function");

    word_ = word;
    keep_ = Napi::Persistent(info[0].As<Napi::Object>());  // the SAB outlives the thread's waits
    st_ = new BellState();
    tsfn_ = Tsfn::New(env, info[2].As<Napi::Function>(), "redis-shm bell", 0, 1, st_,
                      [](Napi::Env, void *, BellState *st) { delete st; });
    tsfn_.Unref(env);
    // seq_cst: the value the thread starts from; changes after this load are news
    int32_t start = __atomic_load_n(word_, __ATOMIC_SEQ_CST);
    thread_ = std::thread(&BellWatcher::Run, word_, st_, tsfn_, &calls_, start);
    env_ = env;
    // Registered after the function: cleanup hooks run in reverse order, so this joins the
    // thread before Node tears the function down.
    if (napi_add_env_cleanup_hook(env_, CleanupHook, this) == napi_ok) hooked_ = true;
  }

  ~BellWatcher() override { Stop(); }

 private:
  static void Run(int32_t *word, BellState *st, Tsfn tsfn, uint64_t *calls, int32_t last) {
    for (;;) {
      // seq_cst: a close request stored before the wake below is seen here
      if (__atomic_load_n(&st->closing, __ATOMIC_SEQ_CST)) return;
      // seq_cst: the doorbell's writer bumped it after publishing (SC store of its tail)
      int32_t cur = __atomic_load_n(word, __ATOMIC_SEQ_CST);
      if (cur == last) {
        // Sleeps only while the word still holds `last`; a bump before the call returns at once.
        syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, last, nullptr, nullptr, 0);
        continue;
      }
      last = cur;
      // seq_cst exchange: if a callback is still queued it clears pending later, then drains
      if (__atomic_exchange_n(&st->pending, 1, __ATOMIC_SEQ_CST) == 0) {
        if (tsfn.NonBlockingCall() == napi_ok) {
          __atomic_fetch_add(calls, 1, __ATOMIC_RELAXED);  // relaxed: a counter for diagnostics
        } else {
          __atomic_store_n(&st->pending, 0, __ATOMIC_SEQ_CST);  // seq_cst: nothing was queued
          return;  // the function is closing: the env is going away
        }
      }
    }
  }

  static void CleanupHook(void *arg) {
    auto *self = static_cast<BellWatcher *>(arg);
    self->hooked_ = false;  // Node removes it after calling it
    self->Stop();
  }

  void Stop() {
    if (stopped_) return;
    stopped_ = true;
    // seq_cst: ordered before the bump, so the thread's next check after waking sees it
    __atomic_store_n(&st_->closing, 1, __ATOMIC_SEQ_CST);
    BumpWord(word_);  // seq_cst bump + wake: a thread about to sleep on the old value returns at once
    if (thread_.joinable()) thread_.join();
    tsfn_.Release();  // queued calls still run; the last one's end frees st_
    if (hooked_) {
      napi_remove_env_cleanup_hook(env_, CleanupHook, this);
      hooked_ = false;
    }
    if (!keep_.IsEmpty()) keep_.Reset();
  }

  Napi::Value Close(const Napi::CallbackInfo &info) {
    Stop();
    return info.Env().Undefined();
  }
  Napi::Value IsClosed(const Napi::CallbackInfo &info) { return Napi::Boolean::New(info.Env(), stopped_); }
  Napi::Value Calls(const Napi::CallbackInfo &info) {
    // relaxed: a diagnostics counter
    return Napi::Number::New(info.Env(), (double)__atomic_load_n(&calls_, __ATOMIC_RELAXED));
  }

  int32_t *word_ = nullptr;
  Napi::ObjectReference keep_;
  BellState *st_ = nullptr;
  Tsfn tsfn_;
  std::thread thread_;
  uint64_t calls_ = 0;
  bool stopped_ = false;
  bool hooked_ = false;
  napi_env env_ = nullptr;
};

}  // namespace

Napi::Function BellWatcherClass(Napi::Env env) { return BellWatcher::Init(env); }

// wakeWaiters(ctrl, index): a real futex wake of native waiters on ctrl[index] (a BellWatcher),
// without changing the word (the caller bumped it already).
Napi::Value WakeWaiters(const Napi::CallbackInfo &info) {
  WakeWord(CtrlWord(info, 0, info[1]));
  return info.Env().Undefined();
}

}  // namespace rshm
