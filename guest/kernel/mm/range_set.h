// A small sorted set of disjoint physical ranges [start, end), with union and subtraction.
// Used to turn the firmware map plus memmap= options into "usable RAM".
#pragma once
#include <stdint.h>

namespace kjump {

struct Range {
  uint64_t start, end;
};

class RangeSet {
 public:
  static constexpr int kMax = 64;

  void add(uint64_t start, uint64_t end);
  void remove(uint64_t start, uint64_t end);
  void clear() { count_ = 0; }
  int count() const { return count_; }
  const Range& at(int i) const { return ranges_[i]; }
  uint64_t end() const { return count_ ? ranges_[count_ - 1].end : 0; }

 private:
  void erase(int i);
  bool insert(int i, Range r);

  Range ranges_[kMax] = {};
  int count_ = 0;
};

}  // namespace kjump
