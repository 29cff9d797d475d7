// The automatic checkpoint ladder behind reverse execution, as rr spaces its checkpoints
// (docs/debugger-reference.md §b): dense near the present, exponentially sparser further
// back, so a long run keeps O(log L) of them. Each is an in-memory snapshot (replay/snapshot.h)
// whose RAM pages are shared with its neighbour where equal, so the memory a checkpoint costs
// is the pages the guest wrote since the previous one.
//
// The ladder itself is plain bookkeeping; the Session takes checkpoints between runs and
// restores them (session/history.cpp), putting recorded inputs back at their times.
#pragma once

#include <cstdint>
#include <vector>

#include "replay/snapshot.h"

namespace kjump {

class History {
 public:
  struct Checkpoint {
    uint64_t retired = 0;
    Snapshot snap;
    size_t cursor = 0;  // the expect cursor when taken
  };
  // Checkpoints kept at full density behind the newest one.
  static constexpr size_t kDense = 8;

  void set_interval(uint64_t n) { interval_ = n; }
  // At most this many bytes of RAM pages held (0: no cap): beyond it the oldest checkpoints
  // but the first (the start of history) are dropped, so reverse execution stays possible to
  // the start, only slower there.
  void set_byte_cap(uint64_t bytes) { cap_ = bytes; }
  uint64_t byte_cap() const { return cap_; }
  uint64_t dropped_for_cap() const { return dropped_for_cap_; }
  uint64_t interval() const { return interval_; }
  void clear();
  // The retired count at which the next checkpoint is due.
  uint64_t next_due() const;
  // Takes a checkpoint of `m` now (its retired count must be past the newest) and thins.
  void take(Machine& m, size_t cursor);
  const Checkpoint* at_or_before(uint64_t retired) const;
  const Checkpoint* before(uint64_t retired) const;  // strictly before
  const Checkpoint* oldest() const { return list_.empty() ? nullptr : &list_.front(); }
  // A new future: checkpoints after `retired` belong to one that no longer happens.
  void drop_after(uint64_t retired);
  size_t size() const { return list_.size(); }
  const std::vector<Checkpoint>& list() const { return list_; }
  // Distinct RAM pages held by all checkpoints, in bytes (what the ladder costs).
  uint64_t ram_bytes() const;

 private:
  void thin();
  void enforce_cap();
  uint64_t interval_ = 0;
  uint64_t cap_ = 0;
  uint64_t dropped_for_cap_ = 0;
  std::vector<Checkpoint> list_;  // by retired count
  SnapshotStore store_;           // shares pages with the previous checkpoint
};

}  // namespace kjump
