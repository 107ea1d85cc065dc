// Segment creation (client), opening as the peer (tests), and lifecycle words.
#include "native_segment.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rshm {
namespace {

NativeError Errno(const char *what, int err) {
  return NativeError{"ERR_NATIVE", std::string(what) + ": " + strerror(err) + " (errno " +
                                       std::to_string(err) + ")"};
}

void Random(uint8_t *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(buf + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw Errno("getrandom", errno);
    }
    got += (size_t)r;
  }
}

std::string Hex(const uint8_t *b, size_t n) {
  static const char *digits = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; i++) {
    s.push_back(digits[b[i] >> 4]);
    s.push_back(digits[b[i] & 15]);
  }
  return s;
}

bool ValidCap(uint64_t c) {
  return shm_is_pow2(c) && c >= SHM_RING_MIN_CAPACITY && c <= SHM_RING_MAX_CAPACITY;
}

// Attaches both endpoints for `role` over a mapping whose geometry is already validated.
void AttachRings(NativeSegment &s, uint8_t *base, uint64_t req_cap, uint64_t rep_cap,
                 bool client) {
  auto *h = reinterpret_cast<shm_segment_header *>(base);
  uint8_t *req_data = base + SHM_HEADER_SIZE;
  uint8_t *rep_data = req_data + req_cap;
  if (client) {
    shm_ring_attach(&s.out, &h->req, req_data, req_cap, 1);
    shm_ring_attach(&s.in, &h->rep, rep_data, rep_cap, 0);
  } else {
    shm_ring_attach(&s.out, &h->rep, rep_data, rep_cap, 1);
    shm_ring_attach(&s.in, &h->req, req_data, req_cap, 0);
  }
}

}  // namespace

std::shared_ptr<NativeSegment> NativeSegment::Create(uint64_t req_cap, uint64_t rep_cap,
                                                     uint32_t mode) {
  if (!ValidCap(req_cap) || !ValidCap(rep_cap))
    throw NativeError{"ERR_ARGUMENT", "ring capacity must be a power of two in [4096, 2^30]"};
  if (mode != 0600 && mode != 0660)
    throw NativeError{"ERR_ARGUMENT", "mode must be 0o600 or 0o660"};
  std::shared_ptr<NativeSegment> s(new NativeSegment());
  s->role_ = Role::Client;
  uint8_t rnd[16];
  Random(rnd, sizeof rnd);
  std::string name = std::string(SHM_NAME_PREFIX) + Hex(rnd, sizeof rnd);
  Random(s->token_, SHM_TOKEN_BYTES);
  s->req_cap_ = req_cap;
  s->rep_cap_ = rep_cap;
  s->size_ = (size_t)shm_segment_size(req_cap, rep_cap);

  int fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, mode);
  if (fd < 0) throw Errno("shm_open", errno);
  s->name_ = name;  // set only once we own the name, so the destructor never unlinks another's
  // From here on the name exists: a throw drops `s`, whose destructor unlinks it.
  if (fchmod(fd, mode) != 0 || ftruncate(fd, (off_t)s->size_) != 0) {
    int e = errno;
    close(fd);
    throw Errno("ftruncate", e);
  }
  void *p = mmap(nullptr, s->size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int e = errno;
  close(fd);
  if (p == MAP_FAILED) throw Errno("mmap", e);
  s->base_ = static_cast<uint8_t *>(p);
  s->hdr_ = reinterpret_cast<shm_segment_header *>(p);
  shm_segment_header *h = s->hdr_;
  // ftruncate zero-filled the object: state NEW, both rings empty, reserved words zero.
  // Plain stores: the SHM.OPEN round trip on the socket orders them before the server's copy.
  shm_header_init(h, req_cap, rep_cap);
  memcpy(h->token, s->token_, SHM_TOKEN_BYTES);
  h->client_pid = (uint32_t)getpid();
  AttachRings(*s, s->base_, req_cap, rep_cap, true);
  s->id_ = RegistryNextId();
  return s;
}

std::shared_ptr<NativeSegment> NativeSegment::OpenPeer(const std::string &name,
                                                       uint64_t session_id) {
  if (name.size() != strlen(SHM_NAME_PREFIX) + SHM_NAME_HEX ||
      name.compare(0, strlen(SHM_NAME_PREFIX), SHM_NAME_PREFIX) != 0)
    throw NativeError{"ERR_ARGUMENT", "bad segment name"};
  int fd = shm_open(name.c_str(), O_RDWR | O_NOFOLLOW, 0);
  if (fd < 0) throw Errno("shm_open", errno);
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)SHM_HEADER_SIZE) {
    close(fd);
    throw NativeError{"ERR_SHM_CORRUPT", "segment is not a regular object of sane size"};
  }
  size_t size = (size_t)st.st_size;
  void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int e = errno;
  close(fd);
  if (p == MAP_FAILED) throw Errno("mmap", e);
  shm_segment_header copy;
  memcpy(&copy, p, sizeof copy);  // one private copy of line 0; never re-read
  if (shm_header_check(&copy, size, SHM_RING_MIN_CAPACITY, SHM_RING_MAX_CAPACITY) != 0) {
    munmap(p, size);
    throw NativeError{"ERR_SHM_CORRUPT", "segment header failed validation"};
  }
  auto *h = static_cast<shm_segment_header *>(p);
  uint32_t expect = SHM_STATE_NEW;
  h->server_pid = (uint32_t)getpid();
  h->session_id = session_id;
  // acq_rel: the claim publishes server_pid/session_id and fails on a non-NEW segment
  if (!__atomic_compare_exchange_n(&h->state, &expect, (uint32_t)SHM_STATE_CLAIMED, false,
                                   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    munmap(p, size);
    throw NativeError{"ERR_SHM_CLOSED", "segment already claimed or closed"};
  }
  std::shared_ptr<NativeSegment> s(new NativeSegment());
  s->role_ = Role::Peer;
  s->name_ = name;
  s->unlinked_ = true;  // the peer never owns the name
  memcpy(s->token_, copy.token, SHM_TOKEN_BYTES);
  s->req_cap_ = copy.req_capacity;
  s->rep_cap_ = copy.rep_capacity;
  s->base_ = static_cast<uint8_t *>(p);
  s->size_ = size;
  s->hdr_ = h;
  AttachRings(*s, s->base_, copy.req_capacity, copy.rep_capacity, false);
  s->id_ = RegistryNextId();
  return s;
}

NativeSegment::~NativeSegment() {
  if (!unlinked_ && !name_.empty()) shm_unlink(name_.c_str());  // nothing stays in /dev/shm
  if (base_) munmap(base_, size_);
}

int NativeSegment::Unlink() {
  if (unlinked_) return 0;
  unlinked_ = true;
  if (shm_unlink(name_.c_str()) != 0 && errno != ENOENT) return errno;
  return 0;
}

uint32_t NativeSegment::State() const {
  // acquire: pairs with the closer's release store, so close_reason is visible after it
  return __atomic_load_n(&hdr_->state, __ATOMIC_ACQUIRE);
}

uint32_t NativeSegment::CloseReason() const {
  // relaxed: read after State() (acquire) when state is CLOSED
  return __atomic_load_n(&hdr_->close_reason, __ATOMIC_RELAXED);
}

uint64_t NativeSegment::SessionId() const {
  // relaxed: written by the server before its CLAIMED store; read after State() acquire
  return __atomic_load_n(&hdr_->session_id, __ATOMIC_RELAXED);
}

void NativeSegment::SetClientFlags(uint32_t flags) {
  // relaxed: a hint the server re-reads in its idle loop; nothing is published with it
  __atomic_store_n(&hdr_->client_flags, flags, __ATOMIC_RELAXED);
}

void NativeSegment::MarkClosed(uint32_t reason) {
  if (State() == SHM_STATE_CLOSED) return;
  // relaxed: published by the release store of state just below
  __atomic_store_n(&hdr_->close_reason, reason, __ATOMIC_RELAXED);
  // release: close_reason is visible to anyone who sees state == CLOSED
  __atomic_store_n(&hdr_->state, (uint32_t)SHM_STATE_CLOSED, __ATOMIC_RELEASE);
  // Wake both rings' consumers so a parked peer (or our own parked reader) re-checks.
  for (shm_ring_ctl *c : {&hdr_->req, &hdr_->rep}) {
    // seq_cst: the bump follows the state store for any waiter that re-checks state
    __atomic_fetch_add(&c->data_futex, 1, __ATOMIC_SEQ_CST);
    shm_futex_wake(&c->data_futex, 1 << 30);
  }
}

}  // namespace rshm
