// Declare-once machine state, in the spirit of QEMU's VMState.
//
// Every stateful component (CPU, RAM, each device, the clock, the event queue, the input
// log) implements Stateful::declare_state() and lists its fields exactly once. Saving,
// restoring, hashing, inspection ("info devices") and divergence reports all derive from
// that one list, so nobody serialises a device by hand twice.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace kjump {

class Timer;
class Stateful;

enum class FieldType : uint8_t {
  Unsigned,    // integral or enum, `size` bytes, `count` elements
  Signed,      // signed integral
  Bool,        // bool, `count` elements
  Bytes,       // opaque fixed-size blob of `size` bytes
  ByteVector,  // std::vector<uint8_t>, variable length
  String,      // std::string, variable length
  TimerState,  // a Timer: armed flag + deadline; restoring re-arms it in its queue
};

struct StateField {
  std::string name;
  FieldType type;
  void* ptr;
  size_t size;   // element size (Unsigned/Signed/Bool) or total size (Bytes)
  size_t count;  // number of elements (1 for scalars)
  // Unhashed fields are saved and restored but not hashed or diffed: raw blobs that may
  // hold host pointers (Unicorn's CPU context) and whose meaning other fields already carry.
  bool hashed = true;
};

class StateDecl {
 public:
  template <class T>
    requires(std::is_integral_v<T> || std::is_enum_v<T>)
  void field(std::string name, T& v) { add_scalar<T>(std::move(name), &v, 1); }

  template <class T, size_t N>
    requires(std::is_integral_v<T> || std::is_enum_v<T>)
  void field(std::string name, T (&v)[N]) { add_scalar<T>(std::move(name), v, N); }

  template <class T, size_t N>
    requires(std::is_integral_v<T> || std::is_enum_v<T>)
  void field(std::string name, std::array<T, N>& v) { add_scalar<T>(std::move(name), v.data(), N); }

  void field(std::string name, std::vector<uint8_t>& v) {
    fields_.push_back({std::move(name), FieldType::ByteVector, &v, 1, 1});
  }
  void field(std::string name, std::string& v) {
    fields_.push_back({std::move(name), FieldType::String, &v, 1, 1});
  }
  void field(std::string name, Timer& t) {
    fields_.push_back({std::move(name), FieldType::TimerState, &t, 0, 1});
  }
  // Saved and restored, but not part of the state hash (see StateField::hashed).
  void unhashed(std::string name, std::vector<uint8_t>& v) {
    fields_.push_back({std::move(name), FieldType::ByteVector, &v, 1, 1, false});
  }
  // An opaque blob (shown as a hash in inspection).
  void bytes(std::string name, void* p, size_t n) {
    fields_.push_back({std::move(name), FieldType::Bytes, p, n, 1});
  }

  // Declares all of `child`'s fields here, their names prefixed ("pic." + "imr"). The
  // parent's post_load() must call the child's.
  void include(const std::string& prefix, Stateful& child);

  const std::vector<StateField>& fields() const { return fields_; }

 private:
  template <class T>
  void add_scalar(std::string name, void* p, size_t n) {
    FieldType t = std::is_same_v<T, bool> ? FieldType::Bool
                  : (std::is_integral_v<T> && std::is_signed_v<T>) ? FieldType::Signed
                                                                   : FieldType::Unsigned;
    fields_.push_back({std::move(name), t, p, sizeof(T), n});
  }
  std::vector<StateField> fields_;
};

class Stateful {
 public:
  virtual ~Stateful() = default;
  virtual void declare_state(StateDecl& d) = 0;
  // Called after a restore, e.g. to recompute derived values (IRQ line levels).
  virtual void post_load() {}
};

inline void StateDecl::include(const std::string& prefix, Stateful& child) {
  StateDecl sub;
  child.declare_state(sub);
  for (auto f : sub.fields_) {
    f.name = prefix + f.name;
    fields_.push_back(std::move(f));
  }
}

struct StateError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Serialised form: for each field, u16 name length, name, u32 payload length, payload.
// Field order and names must match on load; a mismatch is a StateError naming the field.
std::vector<uint8_t> save_state(Stateful& s);
void load_state(Stateful& s, std::span<const uint8_t> blob);
uint64_t hash_state(Stateful& s);

struct InspectedField {
  std::string name;
  std::string value;  // human-readable: hex for integers, hash for blobs
};
std::vector<InspectedField> inspect_state(Stateful& s);

// Names of the fields whose values differ between two blobs saved from the same component.
std::vector<std::string> diff_state(Stateful& s, std::span<const uint8_t> a, std::span<const uint8_t> b);

uint64_t hash_bytes(const void* p, size_t n, uint64_t seed = 0);

}  // namespace kjump
