// Declare-once component state, in the spirit of QEMU's VMState.
//
// Every stateful component (the CPU, the clock, each device) implements
// Stateful::declare_state() and lists its fields exactly once. Saving, restoring, hashing,
// inspection ("info devices") and divergence reports all derive from that one list, so nobody
// serialises a device by hand twice. Guest RAM and the host input log are not Stateful: a
// snapshot carries them beside the state (replay/snapshot.h, Machine::restore_history).
//
// Versions and optional sections, as QEMU's version_id, minimum_version_id, VMSTATE_*_V and
// subsections with .needed:
//
//   void MyDevice::declare_state(StateDecl& d) {
//     d.version(2, /*minimum=*/1);            // this layout is version 2; version-1 state loads too
//     d.field("lcr", lcr_);
//     d.field("scr", scr_, /*since=*/2);      // not in version-1 state
//     d.section("fault", [&] { return stuck_; }, [&](StateDecl& s) { s.field("stuck", stuck_); },
//               [&] { stuck_ = false; });    // saved only while needed; its defaults when absent
//   }
//
// Loading (load_state):
// - State of a component whose version is above its current version, or below its minimum,
//   is refused with a StateError naming the component and both versions.
// - A field added since version N, loaded from older state, is set to zero (false, empty,
//   an idle timer). A component whose new field needs another value declares
//   d.upgrade([&](uint32_t from) { ... }): it runs after every field is loaded, only for state
//   older than the current version, children before parents, and before post_load().
// - A section absent from the state gets its defaults from its reset callback, or, without
//   one, has its fields set to zero as above. Defaults never come from the machine the state
//   lands on: a restore can land on a machine whose values differ.
// - The blob is checked whole before any field is written: a blob refused for its layout or
//   its versions changes nothing (post_load() may still refuse what it finds, as before).
//
// Hashing, inspection and diffs see the fields present: a section's fields only while it is
// needed, named "<section>.<field>". Versions are not hashed. So a component without a
// version or sections hashes exactly as before versions existed, an absent section changes
// no hash, and turning fields declared under an `if` into a section with the same condition
// as `needed` keeps every hash.
//
// Programmed configuration. A device marks, where it declares them, the fields (or the
// elements and bits of a field) that are its *programmed configuration*: what the guest's
// driver set up and a resume must restore — rates, modes, masks, line settings, enables —
// as opposed to dynamic state (counts in flight, FIFO contents, pending bits, status,
// latches). Linux's kexec jump restores exactly this through its drivers' resume hooks.
//
//     d.field("lcr", lcr_).config();                 // the whole field
//     d.field("cmd", cmd_).config(0x02);             // only these bits (nIEN)
//     d.field("cmos", cmos_).config_at(0x0A, 0x7F)   // only these elements, these bits
//                            .config_at(0x0B);
//
// The mark lives only in the declaration: save, restore, hashing, inspection and the
// snapshot format do not see it, so marking a field changes no blob, hash or golden trace.
// Readers of configuration (replay/state_compare.h) take the marks from a declaration and
// the values from saved state (read_saved_state below).
//
// Valid values, as QEMU's post_load checks and Firecracker's snapshot validation: state read
// from a file is outside input, and a device indexes host buffers with its fields (an IDE
// transfer window, a CMOS index, a FIFO level). So every integer, byte vector and string
// field says, where it is declared, which values it may hold, and load_state refuses
// anything else with a StateError naming the device, the field and the value:
//
//     d.field("index", index_).range(0, 127);                  // every element in [lo, hi]
//     d.field("fifo", fifo_).size_range(0, kFifoSize);         // a byte vector's / string's length
//     d.field("buffer", buf_).size(kBufferSize);               // exactly this length
//     d.field("pos", pos_).range(0, kMax).valid_if("at most data_end", [&] { return pos_ <= end_; });
//     d.field("eax", eax_).any();                              // every value of its type is valid
//
// Ranges and sizes are checked on the saved bytes before anything is written. A predicate
// (valid_if) relates fields to each other: it runs once every field is written (and any
// upgrade ran), before post_load(); if one fails, the component's previous state is put back,
// so a refused restore changes nothing either way. Bools (0 or 1), timers (idle, or a
// deadline at most kMaxStateTime) and fixed blobs (their size) are checked by their type.
// unvalidated_fields() lists integer, byte vector and string fields that say nothing; a unit
// test requires it to be empty for the whole machine, so a new field cannot forget.
// Like the configuration marks, validity changes no blob, hash or golden trace.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace kjump {

class Timer;
class Stateful;
struct StateAccess;

enum class FieldType : uint8_t {
  Unsigned,    // integral or enum, `size` bytes, `count` elements
  Signed,      // signed integral
  Bool,        // bool, `count` elements
  Bytes,       // opaque fixed-size blob of `size` bytes
  ByteVector,  // std::vector<uint8_t>, variable length
  String,      // std::string, variable length
  TimerState,  // a Timer: armed flag + deadline; restoring re-arms it in its queue
};

// One part of a field that is programmed configuration (see the top).
struct ConfigPart {
  static constexpr uint32_t kEvery = 0xffffffffu;
  uint32_t element = kEvery;          // an array element, or a byte of a blob / byte vector; kEvery: all
  uint64_t mask = ~uint64_t(0);        // the bits of each such element that are configuration
  bool whole() const { return element == kEvery && mask == ~uint64_t(0); }
};

// Virtual time a restored clock or timer deadline may hold: 2^62 ns, 146 years. Far beyond any
// run, and far enough below 2^64 that `now + period` arithmetic on restored times cannot wrap.
inline constexpr uint64_t kMaxStateTime = uint64_t(1) << 62;

// A field's valid values (see the top). Read by load_state only.
struct FieldPredicate {
  std::string what;  // what must hold, for the message: "at most data_end"
  std::function<bool()> ok;
};
struct FieldValidity {
  bool declared = false;  // range, size, valid_if or any said something
  bool ranged = false;    // every element in [lo, hi], compared with the field's signedness
  uint64_t lo = 0, hi = 0;
  bool sized = false;  // a byte vector's or string's length in [min_size, max_size]
  size_t min_size = 0, max_size = 0;
  std::vector<FieldPredicate> predicates;
};

struct StateField {
  std::string name;  // full name: include prefixes and section names in front ("ide.fault.stuck_used")
  FieldType type;
  void* ptr;
  size_t size;   // element size (Unsigned/Signed/Bool) or total size (Bytes)
  size_t count;  // number of elements (1 for scalars)
  // Unhashed fields are saved and restored but not hashed or diffed: raw blobs that may
  // hold host pointers (Unicorn's CPU context) and whose meaning other fields already carry.
  bool hashed = true;
  uint32_t since = 1;  // the component version that added the field
  // Programmed configuration (see the top); empty: none of it. Read only by configuration
  // readers, never by save, load, hash or inspect.
  std::vector<ConfigPart> config = {};
  FieldValidity valid = {};  // see the top; read only by load_state
};

class StateDecl;

// What StateDecl::field() returns: a handle on the field just declared, to mark it as
// programmed configuration in the same statement. It names the field by position, not by
// pointer, so it stays valid while more fields are declared. A mark that cannot be meant
// (an element past the end, a mask wider than the element, a timer or string as
// configuration) throws std::logic_error naming the field: it is a bug in a declaration.
class FieldMark {
 public:
  // The whole field, every element and bit, is configuration.
  FieldMark& config() { return mark(ConfigPart::kEvery, ~uint64_t(0)); }
  // Only the bits in `mask` (of a scalar, or of every element of an array) are.
  FieldMark& config(uint64_t mask) { return mark(ConfigPart::kEvery, mask); }
  // Only element `element` (its bits in `mask`) of an array, blob or byte vector is;
  // repeatable, one call per element.
  FieldMark& config_at(uint32_t element, uint64_t mask = ~uint64_t(0)) { return mark(element, mask); }

  // Valid values (see the top). A range on a non-integer field, a size on a field that is not
  // a byte vector or string, lo > hi, or a bound the field's type cannot hold throws
  // std::logic_error naming the field.
  template <class A, class B>
    requires(std::is_integral_v<A> && std::is_integral_v<B>)
  FieldMark& range(A lo, B hi) {
    return set_range(std::is_signed_v<A> && lo < 0, uint64_t(lo), std::is_signed_v<B> && hi < 0, uint64_t(hi));
  }
  FieldMark& size(size_t n) { return size_range(n, n); }
  FieldMark& size_range(size_t min, size_t max);
  FieldMark& valid_if(std::string what, std::function<bool()> ok);
  FieldMark& any();

 private:
  friend class StateDecl;
  FieldMark(StateDecl& d, size_t entry) : d_(&d), entry_(entry) {}
  FieldMark& mark(uint32_t element, uint64_t mask);
  FieldMark& set_range(bool lo_negative, uint64_t lo, bool hi_negative, uint64_t hi);
  StateField& field();
  StateDecl* d_;
  size_t entry_;
};

class StateDecl {
 public:
  StateDecl();
  ~StateDecl();
  StateDecl(StateDecl&&) noexcept;
  StateDecl& operator=(StateDecl&&) noexcept;

  // Fields. `since`: the version of this component that added the field (see the top).
  // Each returns a FieldMark, to mark the field as programmed configuration (see the top).
  template <class T>
    requires(std::is_integral_v<T> || std::is_enum_v<T>)
  FieldMark field(std::string name, T& v, uint32_t since = 1) { return add_scalar<T>(std::move(name), &v, 1, since); }

  template <class T, size_t N>
    requires(std::is_integral_v<T> || std::is_enum_v<T>)
  FieldMark field(std::string name, T (&v)[N], uint32_t since = 1) {
    return add_scalar<T>(std::move(name), v, N, since);
  }

  template <class T, size_t N>
    requires(std::is_integral_v<T> || std::is_enum_v<T>)
  FieldMark field(std::string name, std::array<T, N>& v, uint32_t since = 1) {
    return add_scalar<T>(std::move(name), v.data(), N, since);
  }

  FieldMark field(std::string name, std::vector<uint8_t>& v, uint32_t since = 1) {
    return added({std::move(name), FieldType::ByteVector, &v, 1, 1}, since);
  }
  FieldMark field(std::string name, std::string& v, uint32_t since = 1) {
    return added({std::move(name), FieldType::String, &v, 1, 1}, since);
  }
  FieldMark field(std::string name, Timer& t, uint32_t since = 1) {
    return added({std::move(name), FieldType::TimerState, &t, 0, 1}, since);
  }
  // Saved and restored, but not part of the state hash (see StateField::hashed).
  FieldMark unhashed(std::string name, std::vector<uint8_t>& v, uint32_t since = 1) {
    return added({std::move(name), FieldType::ByteVector, &v, 1, 1, false}, since);
  }
  // An opaque blob (shown as a hash in inspection).
  FieldMark bytes(std::string name, void* p, size_t n, uint32_t since = 1) {
    return added({std::move(name), FieldType::Bytes, p, n, 1}, since);
  }

  // This component's state layout is version `current`; state as old as `minimum` still loads.
  // Without a call: version 1, minimum 1.
  void version(uint32_t current, uint32_t minimum);
  // Called when state older than `current` was loaded into this component (see the top).
  void upgrade(std::function<void(uint32_t from)> fn);

  // An optional group of fields, saved only while `needed()` is true. `declare` lists its
  // fields (and may give it a version of its own); their names get "<name>." in front.
  // Loading state without the section calls `reset` (or, if empty, zeroes its fields).
  void section(std::string name, std::function<bool()> needed, const std::function<void(StateDecl&)>& declare,
               std::function<void()> reset = {});

  // Declares `child` here as a component of its own, with its version and sections; its field
  // names get `prefix` in front ("pic." + "imr"). The parent's post_load() must call the child's.
  void include(const std::string& prefix, Stateful& child);

  // The fields present now, in declaration order: this component's, its children's, and those
  // of the sections that are needed. inspect_state() lists the same fields in the same order.
  // With `all`, also the fields of sections not needed now (what saved state may hold).
  std::vector<StateField> fields(bool all = false) const;

 private:
  friend struct StateAccess;
  friend class FieldMark;
  enum class Kind : uint8_t { Field, Component, Section };
  struct Entry {
    Kind kind;
    StateField field;                // Kind::Field
    std::unique_ptr<StateDecl> node;  // Kind::Component, Kind::Section
  };

  template <class T>
  FieldMark add_scalar(std::string name, void* p, size_t n, uint32_t since) {
    FieldType t = std::is_same_v<T, bool> ? FieldType::Bool
                  : (std::is_integral_v<T> && std::is_signed_v<T>) ? FieldType::Signed
                                                                   : FieldType::Unsigned;
    return added({std::move(name), t, p, sizeof(T), n}, since);
  }
  FieldMark added(StateField f, uint32_t since) {
    add(std::move(f), since);
    return FieldMark(*this, entries_.size() - 1);
  }
  void add(StateField f, uint32_t since);
  StateDecl& add_node(Kind kind, std::string name, std::string prefix);

  std::string name_;    // as saved: the include prefix, or the section name
  std::string prefix_;  // put in front of field names: every enclosing prefix and section name
  uint32_t version_ = 1, minimum_ = 1;
  std::function<void(uint32_t)> upgrade_;
  std::function<bool()> needed_;  // sections
  std::function<void()> reset_;   // sections
  std::vector<Entry> entries_;
};

inline FieldMark& FieldMark::mark(uint32_t element, uint64_t mask) {
  StateField& f = d_->entries_[entry_].field;
  auto refuse = [&](const std::string& why) {
    return std::logic_error("state field '" + f.name + "': cannot mark as configuration: " + why);
  };
  const bool whole = element == ConfigPart::kEvery && mask == ~uint64_t(0);
  switch (f.type) {
    case FieldType::TimerState: throw refuse("a timer is dynamic state");
    case FieldType::String: throw refuse("a string has no bits to compare");
    case FieldType::Bool:
      if (!whole) throw refuse("a bool is marked whole");
      break;
    case FieldType::Unsigned:
    case FieldType::Signed:
      if (element != ConfigPart::kEvery && element >= f.count)
        throw refuse("element " + std::to_string(element) + " of " + std::to_string(f.count));
      if (f.size < 8 && (mask >> (8 * f.size)) != 0 && mask != ~uint64_t(0))
        throw refuse("mask wider than its " + std::to_string(f.size) + "-byte elements");
      break;
    case FieldType::Bytes:
    case FieldType::ByteVector:
      if (f.type == FieldType::Bytes && element != ConfigPart::kEvery && element >= f.size)
        throw refuse("byte " + std::to_string(element) + " of " + std::to_string(f.size));
      if ((mask >> 8) != 0 && mask != ~uint64_t(0)) throw refuse("mask wider than a byte");
      break;
  }
  if (mask == 0) throw refuse("an empty mask");
  for (const ConfigPart& p : f.config)
    if (p.element == element || p.element == ConfigPart::kEvery || element == ConfigPart::kEvery)
      throw refuse("marked twice");
  f.config.push_back({element, mask});
  return *this;
}

class Stateful {
 public:
  virtual ~Stateful() = default;
  virtual void declare_state(StateDecl& d) = 0;
  // Called after a restore, e.g. to recompute derived values (IRQ line levels).
  virtual void post_load() {}
};

struct StateError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A field holding a value its declaration does not allow (see "Valid values" at the top), as
// opposed to state of another layout or version.
struct StateValueError : StateError {
  using StateError::StateError;
};

// The saved form (all integers little-endian):
//   blob      "KJST" component
//   component str16 name (include prefix or section name)  u32 version  u32 entry count  entry*
//   entry     u8 kind: 0 field: str16 full field name  u32 payload length  payload
//                      1 included component, 2 section (saved only when needed): component
// (str16: a u16 length, then the bytes.) Fields are matched in declaration order and by name;
// a mismatch is a StateError naming the field.
std::vector<uint8_t> save_state(Stateful& s);
void load_state(Stateful& s, std::span<const uint8_t> blob);
// Everything load_state checks (layout, versions, valid values: StateValueError), without
// post_load(): the component is left as it was. For refusing a file when it is read.
void check_state(Stateful& s, std::span<const uint8_t> blob);
uint64_t hash_state(Stateful& s);

// Integer, byte vector and string fields (sections included) that declare no valid values
// (see the top). Empty for a machine whose every field can be checked on load.
std::vector<std::string> unvalidated_fields(Stateful& s);

struct InspectedField {
  std::string name;
  std::string value;  // human-readable: hex for integers, hash for blobs
};
std::vector<InspectedField> inspect_state(Stateful& s);

// Names of the hashed fields whose values differ between two blobs saved from the same
// component, in the order of `a`; a field present in only one of them (a section saved in
// one blob only) differs too.
std::vector<std::string> diff_state(Stateful& s, std::span<const uint8_t> a, std::span<const uint8_t> b);

uint64_t hash_bytes(const void* p, size_t n, uint64_t seed = 0);

// Saved state read back without a declaration: what a blob holds, for comparing blobs that
// came from different machines (kjump snapshot diff) or from the past (a named snapshot).
struct SavedField {
  std::string name;                  // the full field name, as inspect_state names it
  std::span<const uint8_t> payload;  // points into the blob
};
struct SavedComponent {
  std::string name;  // its include prefix without the dot ("pit"; "" for the engine's parts)
  uint32_t version;
};
struct SavedState {
  std::vector<SavedComponent> components;  // every included component, in blob order
  std::vector<SavedField> fields;          // every field, components and sections flattened
};
// Throws StateError for a blob that is not well formed.
SavedState read_saved_state(std::span<const uint8_t> blob);

// A saved payload as inspect_state shows a value of field `f` (its type, size and count).
// Without `f`, or if the payload cannot be one of `f`'s (another layout): as an integer
// (little-endian) when it is at most 8 bytes, else as bytes, the way a byte vector is shown.
std::string format_payload(const StateField* f, std::span<const uint8_t> payload);

}  // namespace kjump
