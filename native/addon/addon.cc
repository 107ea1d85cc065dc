// redis_shm addon entry point: the Segment class, the multi-ring wait and the bell watcher.
#include <napi.h>

#include "segment.h"

namespace rshm {
Napi::Value WaitMany(const Napi::CallbackInfo &info);
Napi::Value RingControl(const Napi::CallbackInfo &info);
Napi::Value WakeWaiters(const Napi::CallbackInfo &info);
Napi::Function BellWatcherClass(Napi::Env env);

static Napi::Value LiveSegments(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), (double)RegistrySize());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Function seg = Segment::Init(env);
  // Per environment (main thread, each worker): the constructor used by the factories.
  env.SetInstanceData<Napi::FunctionReference>(new Napi::FunctionReference(Napi::Persistent(seg)));
  exports.Set("Segment", seg);
  exports.Set("create", Napi::Function::New<Segment::Create>(env, "create"));
  exports.Set("attach", Napi::Function::New<Segment::Attach>(env, "attach"));
  exports.Set("openPeer", Napi::Function::New<Segment::OpenPeer>(env, "openPeer"));
  exports.Set("waitMany", Napi::Function::New<WaitMany>(env, "waitMany"));
  exports.Set("ringControl", Napi::Function::New<RingControl>(env, "ringControl"));
  exports.Set("wakeWaiters", Napi::Function::New<WakeWaiters>(env, "wakeWaiters"));
  exports.Set("BellWatcher", BellWatcherClass(env));
  exports.Set("liveSegments", Napi::Function::New<LiveSegments>(env, "liveSegments"));
  exports.Set("layoutVersion", Napi::Number::New(env, SHM_LAYOUT_VERSION));
  return exports;
}

}  // namespace rshm

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return rshm::Init(env, exports); }

NODE_API_MODULE(redis_shm, InitAddon)
