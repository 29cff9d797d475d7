#include "mm/range_set.h"

namespace kjump {

void RangeSet::erase(int i) {
  for (int j = i; j + 1 < count_; ++j) ranges_[j] = ranges_[j + 1];
  --count_;
}

bool RangeSet::insert(int i, Range r) {
  if (count_ >= kMax) return false;  // silently coarse: more than 64 holes is not a PC
  for (int j = count_; j > i; --j) ranges_[j] = ranges_[j - 1];
  ranges_[i] = r;
  ++count_;
  return true;
}

void RangeSet::add(uint64_t start, uint64_t end) {
  if (end <= start) return;
  // Absorb every range that overlaps or touches [start, end), then insert the union in order.
  int i = 0;
  while (i < count_) {
    Range& r = ranges_[i];
    if (r.end < start) {
      ++i;
      continue;
    }
    if (r.start > end) break;
    if (r.start < start) start = r.start;
    if (r.end > end) end = r.end;
    erase(i);
  }
  insert(i, Range{start, end});
}

void RangeSet::remove(uint64_t start, uint64_t end) {
  if (end <= start) return;
  for (int i = 0; i < count_;) {
    Range r = ranges_[i];
    if (r.end <= start || r.start >= end) {
      ++i;
      continue;
    }
    erase(i);
    if (r.start < start) insert(i++, Range{r.start, start});
    if (r.end > end) insert(i++, Range{end, r.end});
  }
}

}  // namespace kjump
