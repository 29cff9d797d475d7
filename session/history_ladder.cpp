#include <algorithm>
#include <vector>

#include "session/history.h"

namespace kjump {

void History::clear() {
  list_.clear();
  store_ = SnapshotStore{};
}

uint64_t History::next_due() const { return list_.empty() ? 0 : list_.back().retired + interval_; }

void History::take(Machine& m, size_t cursor) {
  uint64_t r = m.engine().retired();
  drop_after(r);
  if (!list_.empty() && list_.back().retired == r) list_.pop_back();
  list_.push_back(Checkpoint{r, store_.take(m), cursor});
  thin();
  enforce_cap();
}

void History::enforce_cap() {
  if (!cap_) return;
  while (list_.size() > 2 && ram_bytes() > cap_) {
    list_.erase(list_.begin() + 1);
    ++dropped_for_cap_;
  }
}

// Keeps the oldest (the start of history), the kDense newest, and in between a checkpoint
// only if it is at least a third of its age away from the next one kept: spacing grows
// geometrically with age, as rr's checkpoint_interval_exponent does.
void History::thin() {
  if (list_.size() <= kDense + 1) return;
  const uint64_t now = list_.back().retired;
  std::vector<Checkpoint> kept;
  kept.reserve(list_.size());
  size_t dense_from = list_.size() - kDense;
  uint64_t last_kept = list_[dense_from].retired;
  std::vector<bool> keep(list_.size(), false);
  keep[0] = true;
  for (size_t i = dense_from; i < list_.size(); ++i) keep[i] = true;
  for (size_t i = dense_from; i-- > 1;) {
    uint64_t age = now - list_[i].retired;
    if (last_kept - list_[i].retired >= age / 3) {
      keep[i] = true;
      last_kept = list_[i].retired;
    }
  }
  for (size_t i = 0; i < list_.size(); ++i)
    if (keep[i]) kept.push_back(std::move(list_[i]));
  list_ = std::move(kept);
}

const History::Checkpoint* History::at_or_before(uint64_t retired) const {
  const Checkpoint* best = nullptr;
  for (const Checkpoint& c : list_)
    if (c.retired <= retired) best = &c;
  return best;
}

const History::Checkpoint* History::before(uint64_t retired) const {
  const Checkpoint* best = nullptr;
  for (const Checkpoint& c : list_)
    if (c.retired < retired) best = &c;
  return best;
}

void History::drop_after(uint64_t retired) {
  while (!list_.empty() && list_.back().retired > retired) list_.pop_back();
}

uint64_t History::ram_bytes() const {
  std::vector<const RamPage*> pages;
  for (const Checkpoint& c : list_)
    for (size_t i = 0; i < c.snap.ram.page_count(); ++i)
      if (const RamPage* p = c.snap.ram.page(i)) pages.push_back(p);
  std::sort(pages.begin(), pages.end());
  return uint64_t(std::unique(pages.begin(), pages.end()) - pages.begin()) * kRamPageSize;
}

}  // namespace kjump
