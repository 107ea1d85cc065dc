// N-API Segment class: create / attach / openPeer factories and the ring calls.
#include "segment.h"

#include <cmath>

namespace rshm {
namespace {

struct Pending {  // carries the native handle into the constructor
  std::shared_ptr<NativeSegment> seg;
  bool owner;
};

// Argument checks of the per-call paths (read, write, waits) use the plain N-API calls that
// both check and convert (one call per argument), not Is*() and As<>() (two to three each).

uint64_t U64Arg(const Napi::CallbackInfo &info, size_t i, const char *what) {
  double d;
  if (napi_get_value_double(info.Env(), info[i], &d) != napi_ok)
    ThrowCoded(info.Env(), "ERR_ARGUMENT", std::string(what) + " must be a number");
  if (!(d >= 0) || d > 9007199254740991.0 || std::floor(d) != d)
    ThrowCoded(info.Env(), "ERR_ARGUMENT", std::string(what) + " must be a non-negative integer");
  return (uint64_t)d;
}

// Validates (u8, off, len) and returns the pointer to u8[off].
uint8_t *Span(const Napi::CallbackInfo &info, size_t *len_out) {
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (info.Length() < 3 || napi_get_typedarray_info(info.Env(), info[0], &type, &length, &data, nullptr,
                                                    nullptr) != napi_ok)
    ThrowCoded(info.Env(), "ERR_ARGUMENT", "expected (Uint8Array, offset, length)");
  if (type != napi_uint8_array) ThrowCoded(info.Env(), "ERR_ARGUMENT", "expected a Uint8Array");
  uint64_t off = U64Arg(info, 1, "offset");
  uint64_t len = U64Arg(info, 2, "length");
  if (off > length || len > length - off) ThrowCoded(info.Env(), "ERR_ARGUMENT", "offset/length out of range");
  *len_out = (size_t)len;
  return static_cast<uint8_t *>(data) + off;
}

}  // namespace

void ThrowCoded(Napi::Env env, const char *code, const std::string &msg) {
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  throw e;
}

int32_t *CtrlWord(const Napi::CallbackInfo &info, size_t arr, Napi::Value index) {
  napi_typedarray_type type;
  size_t length;
  void *data;
  // A SharedArrayBuffer-backed Int32Array: data is the shared backing store (Node 20).
  if (napi_get_typedarray_info(info.Env(), info[arr], &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_int32_array)
    ThrowCoded(info.Env(), "ERR_ARGUMENT", "ctrl must be an Int32Array over a SharedArrayBuffer");
  int64_t i;
  if (napi_get_value_int64(info.Env(), index, &i) != napi_ok)
    ThrowCoded(info.Env(), "ERR_ARGUMENT", "ctrl index must be a number");
  if (i < 0 || (size_t)i >= length) ThrowCoded(info.Env(), "ERR_ARGUMENT", "ctrl index out of range");
  return static_cast<int32_t *>(data) + i;
}

Napi::Function Segment::Init(Napi::Env env) {
  return DefineClass(env, "Segment", {
      InstanceMethod<&Segment::Id>("id"),
      InstanceMethod<&Segment::Name>("name"),
      InstanceMethod<&Segment::Token>("token"),
      InstanceMethod<&Segment::Role>("role"),
      InstanceMethod<&Segment::Capacities>("capacities"),
      InstanceMethod<&Segment::Unlink>("unlink"),
      InstanceMethod<&Segment::Write>("write"),
      InstanceMethod<&Segment::Read>("read"),
      InstanceMethod<&Segment::Readable>("readable"),
      InstanceMethod<&Segment::Writable>("writable"),
      InstanceMethod<&Segment::WakePeerData>("wakePeerData"),
      InstanceMethod<&Segment::WakePeerSpace>("wakePeerSpace"),
      InstanceMethod<&Segment::WaitData>("waitData"),
      InstanceMethod<&Segment::WaitSpace>("waitSpace"),
      InstanceMethod<&Segment::ArmSpace>("armSpace"),
      InstanceMethod<&Segment::DisarmSpace>("disarmSpace"),
      InstanceMethod<&Segment::SpaceSeq>("spaceSeq"),
      InstanceMethod<&Segment::State>("state"),
      InstanceMethod<&Segment::CloseReason>("closeReason"),
      InstanceMethod<&Segment::SessionId>("sessionId"),
      InstanceMethod<&Segment::MarkClosed>("markClosed"),
      InstanceMethod<&Segment::SetClientFlags>("setClientFlags"),
      InstanceMethod<&Segment::Counters>("counters"),
      InstanceMethod<&Segment::Close>("close"),
      InstanceMethod<&Segment::IsClosed>("isClosed"),
  });
}

Segment::Segment(const Napi::CallbackInfo &info) : Napi::ObjectWrap<Segment>(info) {
  if (info.Length() != 1 || !info[0].IsExternal())
    ThrowCoded(info.Env(), "ERR_ARGUMENT", "use create(), attach() or openPeer()");
  Pending *p = info[0].As<Napi::External<Pending>>().Data();
  seg_ = std::move(p->seg);
  owner_ = p->owner;
  env_ = info.Env();
  if (napi_add_env_cleanup_hook(env_, CleanupHook, this) == napi_ok) hooked_ = true;
}

Segment::~Segment() {
  if (hooked_) {
    napi_remove_env_cleanup_hook(env_, CleanupHook, this);
    hooked_ = false;
  }
  Release();
}

// Runs when the owning environment (main thread or a worker) is torn down.
void Segment::CleanupHook(void *arg) {
  auto *self = static_cast<Segment *>(arg);
  self->hooked_ = false;
  self->Release();
}

void Segment::Release() {
  if (!seg_) return;
  if (owner_) RegistryRemove(seg_->id());
  seg_.reset();  // the mapping goes away with the last handle on any thread
}

NativeSegment &Segment::Live(Napi::Env env) {
  if (!seg_) ThrowCoded(env, "ERR_CLOSED", "segment handle is closed");
  return *seg_;
}

Napi::Value Segment::Wrap(Napi::Env env, std::shared_ptr<NativeSegment> seg, bool owner) {
  Pending p{std::move(seg), owner};
  auto *ctor = env.GetInstanceData<Napi::FunctionReference>();
  return ctor->New({Napi::External<Pending>::New(env, &p)});
}

// A new native segment joins the process-wide registry (so worker threads can attach by
// id) and gets its first JS owner; if wrapping fails it leaves the registry again.
Napi::Value Segment::RegisterAndWrap(Napi::Env env, const std::shared_ptr<NativeSegment> &seg) {
  RegistryAdd(seg);
  try {
    return Wrap(env, seg, true);
  } catch (...) {
    RegistryRemove(seg->id());
    throw;
  }
}

Napi::Value Segment::Create(const Napi::CallbackInfo &info) {
  uint64_t req = U64Arg(info, 0, "reqCapacity");
  uint64_t rep = U64Arg(info, 1, "repCapacity");
  uint64_t mode = U64Arg(info, 2, "mode");
  std::shared_ptr<NativeSegment> seg;
  try {
    seg = NativeSegment::Create(req, rep, (uint32_t)mode);
  } catch (const NativeError &e) {
    ThrowCoded(info.Env(), e.code, e.message);
  }
  return RegisterAndWrap(info.Env(), seg);
}

Napi::Value Segment::OpenPeer(const Napi::CallbackInfo &info) {
  if (!info[0].IsString()) ThrowCoded(info.Env(), "ERR_ARGUMENT", "name must be a string");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  uint64_t session = U64Arg(info, 1, "sessionId");
  std::shared_ptr<NativeSegment> seg;
  try {
    seg = NativeSegment::OpenPeer(name, session);
  } catch (const NativeError &e) {
    ThrowCoded(info.Env(), e.code, e.message);
  }
  return RegisterAndWrap(info.Env(), seg);
}

Napi::Value Segment::Attach(const Napi::CallbackInfo &info) {
  uint64_t id = U64Arg(info, 0, "id");
  auto seg = RegistryFind((uint32_t)id);
  if (!seg || id > 0xffffffffu) ThrowCoded(info.Env(), "ERR_CLOSED", "no open segment with id " + std::to_string(id));
  return Wrap(info.Env(), seg, false);
}

Napi::Value Segment::Id(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), Live(info.Env()).id());
}

Napi::Value Segment::Name(const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), Live(info.Env()).name());
}

Napi::Value Segment::Token(const Napi::CallbackInfo &info) {
  return Napi::Buffer<uint8_t>::Copy(info.Env(), Live(info.Env()).token(), SHM_TOKEN_BYTES);
}

Napi::Value Segment::Role(const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), Live(info.Env()).role() == Role::Client ? "client" : "peer");
}

Napi::Value Segment::Capacities(const Napi::CallbackInfo &info) {
  NativeSegment &s = Live(info.Env());
  Napi::Array a = Napi::Array::New(info.Env(), 2);
  a.Set(0u, Napi::Number::New(info.Env(), (double)s.req_capacity()));
  a.Set(1u, Napi::Number::New(info.Env(), (double)s.rep_capacity()));
  return a;
}

Napi::Value Segment::Unlink(const Napi::CallbackInfo &info) {
  int err = Live(info.Env()).Unlink();
  if (err) ThrowCoded(info.Env(), "ERR_NATIVE", std::string("shm_unlink: ") + strerror(err));
  return info.Env().Undefined();
}

static Napi::Value Result(Napi::Env env, int64_t r, const char *what) {
  if (r < 0) ThrowCoded(env, "ERR_SHM_CORRUPT", std::string(what) + ": the peer violated the ring contract");
  return Napi::Number::New(env, (double)r);
}

Napi::Value Segment::Write(const Napi::CallbackInfo &info) {
  NativeSegment &s = Live(info.Env());
  size_t len;
  uint8_t *p = Span(info, &len);
  return Result(info.Env(), shm_ring_write(&s.out, p, len), "write");
}

Napi::Value Segment::Read(const Napi::CallbackInfo &info) {
  NativeSegment &s = Live(info.Env());
  size_t len;
  uint8_t *p = Span(info, &len);
  return Result(info.Env(), shm_ring_read(&s.in, p, len), "read");
}

Napi::Value Segment::Readable(const Napi::CallbackInfo &info) {
  return Result(info.Env(), shm_ring_readable(&Live(info.Env()).in), "readable");
}

Napi::Value Segment::Writable(const Napi::CallbackInfo &info) {
  return Result(info.Env(), shm_ring_writable(&Live(info.Env()).out), "writable");
}

Napi::Value Segment::WakePeerData(const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(), shm_ring_wake_consumer(&Live(info.Env()).out) != 0);
}

Napi::Value Segment::WakePeerSpace(const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(), shm_ring_wake_producer(&Live(info.Env()).in) != 0);
}

static bool YieldArg(const Napi::CallbackInfo &info, size_t i) {
  return info.Length() <= i || info[i].IsUndefined() || info[i].ToBoolean().Value();  // default: yield
}

Napi::Value Segment::WaitData(const Napi::CallbackInfo &info) {
  NativeSegment &s = Live(info.Env());
  uint64_t spin = U64Arg(info, 0, "spinNs");
  uint64_t park = U64Arg(info, 1, "parkNs");
  bool yield = YieldArg(info, 2);
  if (s.State() == SHM_STATE_CLOSED) return Result(info.Env(), shm_ring_readable(&s.in), "waitData");
  int64_t v = SpinYielding([&] { return shm_ring_readable(&s.in); }, spin, yield);
  if (v != 0) return Result(info.Env(), v, "waitData");
  return Result(info.Env(), shm_ring_wait_data(&s.in, 0, park), "waitData");  // park (re-checks first)
}

Napi::Value Segment::WaitSpace(const Napi::CallbackInfo &info) {
  NativeSegment &s = Live(info.Env());
  uint64_t want = U64Arg(info, 0, "want");
  uint64_t spin = U64Arg(info, 1, "spinNs");
  uint64_t park = U64Arg(info, 2, "parkNs");
  bool yield = YieldArg(info, 3);
  if (s.State() == SHM_STATE_CLOSED) return Result(info.Env(), shm_ring_writable(&s.out), "waitSpace");
  if (want > s.out.cap) want = s.out.cap;
  int64_t v = SpinYielding([&]() -> int64_t {  // 1 ready, 0 not yet, -1 corrupt
    int64_t w = shm_ring_writable(&s.out);
    return w < 0 ? w : ((uint64_t)w >= want ? 1 : 0);
  }, spin, yield);
  if (v != 0) return Result(info.Env(), shm_ring_writable(&s.out), "waitSpace");
  return Result(info.Env(), shm_ring_wait_space(&s.out, want, 0, park), "waitSpace");
}

// The sleeper half of "wait for space" without sleeping here: another thread (the spinner)
// waits on space_futex for us. Returns the sequence to wait against; the caller must then
// re-check writable() and disarm if there is space already.
Napi::Value Segment::ArmSpace(const Napi::CallbackInfo &info) {
  shm_ring_ctl *c = Live(info.Env()).out.ctl;
  // acquire: read the sequence before announcing, so a later bump changes it
  uint32_t seq = __atomic_load_n(&c->space_futex, __ATOMIC_ACQUIRE);
  // relaxed: ordered before the caller's re-check by the full fence below
  __atomic_store_n(&c->producer_parked, 1u, __ATOMIC_RELAXED);
  // full fence: parked=1 is ordered before the caller's writable() re-check (pairs with the consumer's fence)
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  return Napi::Number::New(info.Env(), (double)seq);
}

Napi::Value Segment::DisarmSpace(const Napi::CallbackInfo &info) {
  // relaxed: only a hint to the consumer; a stale 1 costs it one spurious wake
  __atomic_store_n(&Live(info.Env()).out.ctl->producer_parked, 0u, __ATOMIC_RELAXED);
  return info.Env().Undefined();
}

// The current space_futex of the ring this side writes (any thread may read it).
Napi::Value Segment::SpaceSeq(const Napi::CallbackInfo &info) {
  // acquire: a changed value means the consumer freed space before bumping it
  return Napi::Number::New(info.Env(), (double)__atomic_load_n(&Live(info.Env()).out.ctl->space_futex, __ATOMIC_ACQUIRE));
}

Napi::Value Segment::State(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), Live(info.Env()).State());
}

Napi::Value Segment::CloseReason(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), Live(info.Env()).CloseReason());
}

Napi::Value Segment::SessionId(const Napi::CallbackInfo &info) {
  return Napi::BigInt::New(info.Env(), Live(info.Env()).SessionId());
}

Napi::Value Segment::MarkClosed(const Napi::CallbackInfo &info) {
  uint64_t reason = U64Arg(info, 0, "reason");
  if (reason > SHM_CLOSE_FAULT) ThrowCoded(info.Env(), "ERR_ARGUMENT", "unknown close reason");
  Live(info.Env()).MarkClosed((uint32_t)reason);
  return info.Env().Undefined();
}

Napi::Value Segment::SetClientFlags(const Napi::CallbackInfo &info) {
  uint64_t flags = U64Arg(info, 0, "flags");
  if (flags > SHM_CLIENT_SPIN_ALWAYS) ThrowCoded(info.Env(), "ERR_ARGUMENT", "unknown client flag");
  Live(info.Env()).SetClientFlags((uint32_t)flags);
  return info.Env().Undefined();
}

Napi::Value Segment::Counters(const Napi::CallbackInfo &info) {
  NativeSegment &s = Live(info.Env());
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  // Each endpoint's counters are read by its owning thread; this is informational.
  o.Set("outSpins", Napi::Number::New(env, (double)s.out.spins));
  o.Set("outParks", Napi::Number::New(env, (double)s.out.parks));
  o.Set("outWakes", Napi::Number::New(env, (double)s.out.wakes));
  o.Set("inSpins", Napi::Number::New(env, (double)s.in.spins));
  o.Set("inParks", Napi::Number::New(env, (double)s.in.parks));
  o.Set("inWakes", Napi::Number::New(env, (double)s.in.wakes));
  o.Set("written", Napi::Number::New(env, (double)s.out.pos));
  o.Set("read", Napi::Number::New(env, (double)s.in.pos));
  return o;
}

Napi::Value Segment::Close(const Napi::CallbackInfo &info) {
  Release();
  return info.Env().Undefined();
}

Napi::Value Segment::IsClosed(const Napi::CallbackInfo &info) {
  return Napi::Boolean::New(info.Env(), !seg_);
}

}  // namespace rshm
