// Valid values of declared state fields (emu/state.h, "Valid values"): the marks a
// declaration puts on a field, and the check of a saved payload against them. A snapshot
// file with correct checksums is still outside input; this is where its values are refused
// before a device indexes a host buffer with them (QEMU's post_load checks do the same job
// one device at a time; here the declaration carries them, so no field can be left out).
#include "emu/state_detail.h"

#include <limits>

#include "base/bytes.h"
#include "base/hex.h"

namespace kjump {
namespace {

std::logic_error refuse(const StateField& f, const std::string& why) {
  return std::logic_error("state field '" + f.name + "': cannot declare valid values: " + why);
}

// An element's value as a signed number, for signed fields of `size` bytes.
int64_t sign_extend(uint64_t v, size_t size) {
  if (size >= 8) return int64_t(v);
  const unsigned shift = unsigned(64 - 8 * size);
  return int64_t(v << shift) >> shift;
}

std::string show(const StateField& f, uint64_t v) {
  return f.type == FieldType::Signed ? std::to_string(sign_extend(v, f.size)) : hex(v);
}

}  // namespace

StateField& FieldMark::field() { return d_->entries_[entry_].field; }

FieldMark& FieldMark::set_range(bool lo_negative, uint64_t lo, bool hi_negative, uint64_t hi) {
  StateField& f = field();
  if (f.type != FieldType::Unsigned && f.type != FieldType::Signed) throw refuse(f, "a range needs an integer field");
  if (f.valid.ranged) throw refuse(f, "a second range");
  const unsigned bits = unsigned(8 * f.size);
  if (f.type == FieldType::Unsigned) {
    const uint64_t max = bits >= 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1;
    if (lo_negative || hi_negative || lo > hi || hi > max) throw refuse(f, "the range does not fit the field");
  } else {
    const int64_t max = bits >= 64 ? std::numeric_limits<int64_t>::max() : (int64_t(1) << (bits - 1)) - 1;
    if ((!lo_negative && lo > uint64_t(max)) || (!hi_negative && hi > uint64_t(max)) || int64_t(lo) > int64_t(hi) ||
        int64_t(lo) < -max - 1)
      throw refuse(f, "the range does not fit the field");
  }
  f.valid.declared = f.valid.ranged = true;
  f.valid.lo = lo;
  f.valid.hi = hi;
  return *this;
}

FieldMark& FieldMark::size_range(size_t min, size_t max) {
  StateField& f = field();
  if (f.type != FieldType::ByteVector && f.type != FieldType::String)
    throw refuse(f, "a size needs a byte vector or a string");
  if (min > max || f.valid.sized) throw refuse(f, "a size range that is empty or given twice");
  f.valid.declared = f.valid.sized = true;
  f.valid.min_size = min;
  f.valid.max_size = max;
  return *this;
}

FieldMark& FieldMark::valid_if(std::string what, std::function<bool()> ok) {
  StateField& f = field();
  if (!ok) throw refuse(f, "an empty predicate");
  f.valid.declared = true;
  f.valid.predicates.push_back({std::move(what), std::move(ok)});
  return *this;
}

FieldMark& FieldMark::any() {
  StateField& f = field();
  if (f.valid.ranged || f.valid.sized) throw refuse(f, "any() after a range or size");
  f.valid.declared = true;
  return *this;
}

namespace state_detail {

std::string invalid_payload(const StateField& f, std::span<const uint8_t> p) {
  const FieldValidity& v = f.valid;
  switch (f.type) {
    case FieldType::Bool:
      for (size_t i = 0; i < f.count; ++i)
        if (p[i] > 1)
          return (f.count > 1 ? "element " + std::to_string(i) + " " : "") + "holds " + hex(p[i]) + ", not a bool";
      return {};
    case FieldType::TimerState: {
      if (p[0] > 1) return "holds armed flag " + hex(p[0]);
      const uint64_t deadline = load_le(p.data() + 1, 8);
      if (p[0] && deadline > kMaxStateTime)
        return "is armed for " + std::to_string(deadline) + " ns, past the limit " + std::to_string(kMaxStateTime);
      return {};
    }
    case FieldType::Unsigned:
    case FieldType::Signed:
      if (!v.ranged) return {};
      for (size_t i = 0; i < f.count; ++i) {
        const uint64_t x = load_le(p.data() + i * f.size, f.size);
        const bool ok = f.type == FieldType::Signed
                            ? sign_extend(x, f.size) >= int64_t(v.lo) && sign_extend(x, f.size) <= int64_t(v.hi)
                            : x >= v.lo && x <= v.hi;
        if (!ok)
          return (f.count > 1 ? "element " + std::to_string(i) + " " : "") + "holds " + show(f, x) + ", outside " +
                 show(f, v.lo) + ".." + show(f, v.hi);
      }
      return {};
    case FieldType::ByteVector:
    case FieldType::String:
      if (v.sized && (p.size() < v.min_size || p.size() > v.max_size))
        return "is " + std::to_string(p.size()) + " bytes long, outside " + std::to_string(v.min_size) + ".." +
               std::to_string(v.max_size);
      return {};
    case FieldType::Bytes: return {};
  }
  return {};
}

}  // namespace state_detail
}  // namespace kjump
