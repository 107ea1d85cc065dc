// Process-global registry of mapped segments, shared by the main thread and workers.
#include <mutex>
#include <unordered_map>

#include "native_segment.h"

namespace rshm {
namespace {
std::mutex g_mu;
std::unordered_map<uint32_t, std::shared_ptr<NativeSegment>> g_map;
uint32_t g_next = 1;
}  // namespace

uint32_t RegistryNextId() {
  std::lock_guard<std::mutex> lock(g_mu);
  uint32_t id = g_next++;
  if (g_next == 0 || g_next > 0x7fffffffu) g_next = 1;  // keep ids positive int32 for JS
  return id;
}

void RegistryAdd(const std::shared_ptr<NativeSegment> &seg) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_map[seg->id()] = seg;
}

void RegistryRemove(uint32_t id) {
  std::shared_ptr<NativeSegment> drop;  // destroyed (maybe munmap) outside the lock
  {
    std::lock_guard<std::mutex> lock(g_mu);
    auto it = g_map.find(id);
    if (it == g_map.end()) return;
    drop = std::move(it->second);
    g_map.erase(it);
  }
}

std::shared_ptr<NativeSegment> RegistryFind(uint32_t id) {
  std::lock_guard<std::mutex> lock(g_mu);
  auto it = g_map.find(id);
  return it == g_map.end() ? nullptr : it->second;
}

size_t RegistrySize() {
  std::lock_guard<std::mutex> lock(g_mu);
  return g_map.size();
}

}  // namespace rshm
