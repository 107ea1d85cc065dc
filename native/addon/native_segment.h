// One mapped redis-shm segment as seen from this process, independent of N-API.
//
// A NativeSegment has a role. CLIENT (the normal case): it writes the REQ ring and
// reads the REP ring. PEER (test and benchmark helper only): it opens an existing
// segment by name and plays the server's side, writing REP and reading REQ.
// `out` is the ring this process produces into, `in` the ring it consumes from.
//
// Thread ownership (each struct shm_ring is private state of exactly one thread):
//   out: the thread that owns the creating handle (the Node main thread for a client).
//   in:  whoever currently holds "in ownership": the spinner worker while the channel is
//        registered with it, the main thread otherwise (sync API / busy polling). The
//        handoff is a message protocol in src/spinner; the addon does not arbitrate.
// The mapping itself lives until the last shared_ptr (handles on any thread) is gone.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "shm_ring.h"

namespace rshm {

enum class Role { Client, Peer };

struct NativeError {
  const char *code;   // stable error code: ERR_NATIVE, ERR_ARGUMENT, ERR_SHM_CORRUPT
  std::string message;
};

class NativeSegment {
 public:
  ~NativeSegment();
  NativeSegment(const NativeSegment &) = delete;
  NativeSegment &operator=(const NativeSegment &) = delete;

  // Creates /redis-shm.<hex>, sizes and maps it, fills header line 0. Throws NativeError.
  static std::shared_ptr<NativeSegment> Create(uint64_t req_cap, uint64_t rep_cap, uint32_t mode);
  // Test helper: opens a segment by name as the server would and claims it.
  static std::shared_ptr<NativeSegment> OpenPeer(const std::string &name, uint64_t session_id);

  Role role() const { return role_; }
  uint32_t id() const { return id_; }
  const std::string &name() const { return name_; }
  const uint8_t *token() const { return token_; }
  uint64_t req_capacity() const { return req_cap_; }
  uint64_t rep_capacity() const { return rep_cap_; }
  shm_segment_header *header() const { return hdr_; }

  shm_ring out;  // producer endpoint
  shm_ring in;   // consumer endpoint

  // Removes the name from /dev/shm; idempotent, ENOENT is fine. Returns 0 or errno.
  int Unlink();
  uint32_t State() const;
  uint32_t CloseReason() const;
  uint64_t SessionId() const;
  // Writes close_reason then state = CLOSED and wakes whoever parks on this segment.
  void MarkClosed(uint32_t reason);
  // Client side: the hints word of line 1 (SHM_CLIENT_* bits, docs/protocol.md "Client hints").
  void SetClientFlags(uint32_t flags);

 private:
  NativeSegment() = default;
  Role role_ = Role::Client;
  uint32_t id_ = 0;
  std::string name_;
  uint8_t token_[SHM_TOKEN_BYTES] = {};
  uint64_t req_cap_ = 0, rep_cap_ = 0;
  uint8_t *base_ = nullptr;
  size_t size_ = 0;
  shm_segment_header *hdr_ = nullptr;
  bool unlinked_ = false;
};

// Process-global registry (all threads), mutex-protected: id -> segment. The creating
// handle registers; any thread may Find(id) and hold its own reference.
void RegistryAdd(const std::shared_ptr<NativeSegment> &seg);
void RegistryRemove(uint32_t id);
std::shared_ptr<NativeSegment> RegistryFind(uint32_t id);
uint32_t RegistryNextId();
size_t RegistrySize();

}  // namespace rshm
