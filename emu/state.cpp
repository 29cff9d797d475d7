#include "emu/state.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "base/bytes.h"
#include "base/hex.h"
#include "base/text_escape.h"
#include "emu/event_queue.h"
#include "emu/state_detail.h"

namespace kjump {
namespace {

using state_detail::format_fitting;
using state_detail::format_raw;

constexpr char kMagic[4] = {'K', 'J', 'S', 'T'};
constexpr int kMaxDepth = 32;  // components inside components, in a blob

size_t payload_size(const StateField& f) {
  switch (f.type) {
    case FieldType::Unsigned:
    case FieldType::Signed:
    case FieldType::Bool: return f.size * f.count;
    case FieldType::Bytes: return f.size;
    case FieldType::ByteVector: return static_cast<const std::vector<uint8_t>*>(f.ptr)->size();
    case FieldType::String: return static_cast<const std::string*>(f.ptr)->size();
    case FieldType::TimerState: return 9;
  }
  return 0;
}

// The payload of one field, in little-endian byte order (the host is x86-64).
void payload_of(const StateField& f, ByteWriter& out) {
  switch (f.type) {
    case FieldType::Unsigned:
    case FieldType::Signed:
    case FieldType::Bool:
    case FieldType::Bytes: out.bytes(f.ptr, payload_size(f)); break;
    case FieldType::ByteVector: out.bytes(*static_cast<const std::vector<uint8_t>*>(f.ptr)); break;
    case FieldType::String: out.str(*static_cast<const std::string*>(f.ptr)); break;
    case FieldType::TimerState: {
      auto& t = *static_cast<const Timer*>(f.ptr);
      out.u8(t.armed() ? 1 : 0);
      out.u64(t.deadline());
      break;
    }
  }
}

// Whether `p` can be the payload of `f` (variable-length fields take any length).
bool fits(const StateField& f, std::span<const uint8_t> p) {
  switch (f.type) {
    case FieldType::ByteVector:
    case FieldType::String: return true;
    default: return p.size() == payload_size(f);
  }
}

void apply(const StateField& f, std::span<const uint8_t> p) {
  switch (f.type) {
    case FieldType::Unsigned:
    case FieldType::Signed:
    case FieldType::Bool:
    case FieldType::Bytes: std::memcpy(f.ptr, p.data(), p.size()); break;
    case FieldType::ByteVector: static_cast<std::vector<uint8_t>*>(f.ptr)->assign(p.begin(), p.end()); break;
    case FieldType::String: static_cast<std::string*>(f.ptr)->assign(p.begin(), p.end()); break;
    case FieldType::TimerState: static_cast<Timer*>(f.ptr)->restore(p[0] != 0, load_le(p.data() + 1, 8)); break;
  }
}

// The default of a field that the loaded state does not have: zero, false, empty, idle.
void zero(const StateField& f) {
  switch (f.type) {
    case FieldType::Unsigned:
    case FieldType::Signed:
    case FieldType::Bool:
    case FieldType::Bytes: std::memset(f.ptr, 0, payload_size(f)); break;
    case FieldType::ByteVector: static_cast<std::vector<uint8_t>*>(f.ptr)->clear(); break;
    case FieldType::String: static_cast<std::string*>(f.ptr)->clear(); break;
    case FieldType::TimerState: static_cast<Timer*>(f.ptr)->restore(false, 0); break;
  }
}

std::string format_field(const StateField& f) {
  ByteWriter w;
  payload_of(f, w);
  return format_fitting(f, w.data());
}

// A blob read back without its declaration: components of named entries.
struct BlobNode {
  struct Item {
    uint8_t kind;                     // as StateDecl::Kind
    std::string name;                 // field name, or the component's / section's name
    std::span<const uint8_t> payload;  // fields
    std::unique_ptr<BlobNode> node;    // components and sections
  };
  std::string name;
  uint32_t version = 0;
  std::vector<Item> items;
};

BlobNode parse_node(ByteReader& r, int depth) {
  if (depth > kMaxDepth) throw StateError("state blob nests components more than " + std::to_string(kMaxDepth) + " deep");
  BlobNode n;
  n.name = r.str16();
  n.version = r.u32();
  for (uint32_t count = r.u32(); count; --count) {
    BlobNode::Item it;
    it.kind = r.u8();
    if (it.kind == 0) {
      it.name = r.str16();
      it.payload = r.take(r.u32(), "field payload");
    } else if (it.kind <= 2) {
      it.node = std::make_unique<BlobNode>(parse_node(r, depth + 1));
      it.name = it.node->name;
    } else {
      throw StateError("state blob has an entry of unknown kind " + std::to_string(it.kind));
    }
    n.items.push_back(std::move(it));
  }
  return n;
}

BlobNode parse(std::span<const uint8_t> blob) {
  if (blob.size() < sizeof kMagic || std::memcmp(blob.data(), kMagic, sizeof kMagic) != 0)
    throw StateError("state blob is not in kjump's versioned state format");
  ByteReader r(blob.subspan(sizeof kMagic),
               [](const Truncation& t) { throw StateError("state blob truncated: " + t.describe()); });
  BlobNode root = parse_node(r, 0);
  if (!r.done())
    throw StateError("state blob has " + std::to_string(r.left()) + (r.left() == 1 ? " byte" : " bytes") +
                     " after its end");
  return root;
}

// Every field of a blob, components and sections flattened, in blob order.
void flatten(const BlobNode& n, std::vector<const BlobNode::Item*>& out) {
  for (auto& it : n.items) {
    if (it.node) flatten(*it.node, out);
    else out.push_back(&it);
  }
}

// An include prefix as a name: "pit." -> "pit".
std::string bare(std::string name) {
  if (!name.empty() && name.back() == '.') name.pop_back();
  return name;
}

// An entry of a blob as a refusal names it. The name comes from the file, so it is escaped: a
// control byte in it must not make the one-line refusal two lines (fuzz_snapshot found a
// newline in a field name).
std::string describe(const BlobNode::Item& it) {
  switch (it.kind) {
    case 0: return "state field '" + escape_for_message(it.name) + "'";
    case 1: return "component '" + escape_for_message(bare(it.name)) + "'";
    default: return "section '" + escape_for_message(it.name) + "'";
  }
}

}  // namespace

// The walks over a declaration that save, load, hash, inspect and diff share.
struct StateAccess {
  using Kind = StateDecl::Kind;

  // A component's name for messages: its prefix ("pit", "ide.fault"), else the first word of
  // its first field ("cpu" for "cpu.eax"), else "(top level)".
  static std::string display_name(const StateDecl& d) {
    std::string p = bare(d.prefix_);
    if (!p.empty()) return p;
    for (auto& e : d.entries_)
      if (e.kind == Kind::Field) {
        auto dot = e.field.name.find('.');
        if (dot != std::string::npos && dot > 0) return e.field.name.substr(0, dot);
        break;
      }
    return "(top level)";
  }

  static bool present(const StateDecl::Entry& e) { return e.kind != Kind::Section || e.node->needed_(); }

  // Fields present now (sections only while needed), or all declared fields.
  template <class F>
  static void for_each_field(const StateDecl& d, bool all, F&& fn) {
    for (auto& e : d.entries_) {
      if (e.kind == Kind::Field) fn(e.field);
      else if (all || present(e)) for_each_field(*e.node, all, fn);
    }
  }

  static void check_since(const StateDecl& d, const StateField& f) {
    if (f.since == 0 || f.since > d.version_)
      throw std::logic_error("state field '" + f.name + "' is declared since version " + std::to_string(f.since) +
                             ", but " + display_name(d) + " is version " + std::to_string(d.version_));
  }

  static void save(const StateDecl& d, ByteWriter& w) {
    std::vector<const StateDecl::Entry*> entries;
    for (auto& e : d.entries_)
      if (present(e)) entries.push_back(&e);
    w.str16(d.name_);
    w.u32(d.version_);
    w.u32(uint32_t(entries.size()));
    for (auto* e : entries) {
      w.u8(uint8_t(e->kind));
      if (e->kind != Kind::Field) {
        save(*e->node, w);
        continue;
      }
      check_since(d, e->field);
      w.str16(e->field.name);
      w.u32(uint32_t(payload_size(e->field)));
      payload_of(e->field, w);
    }
  }

  // What load_state will do, worked out (and checked) before anything is written.
  struct Action {
    enum Op { Apply, Zero, Reset } op;
    const StateField* field = nullptr;
    std::span<const uint8_t> payload{};
    const StateDecl* section = nullptr;
  };
  struct Check {  // a field's predicates, run once every field is written
    std::string component;
    const StateField* field;
  };
  struct Plan {
    std::vector<Action> actions;                                // in declaration order
    std::vector<Check> checks;
    std::vector<std::pair<const StateDecl*, uint32_t>> upgrades;  // children before parents
  };

  static void match(const StateDecl& d, const BlobNode& b, Plan& plan) {
    const std::string who = display_name(d);
    if (b.version > d.version_ || b.version < d.minimum_)
      throw StateError("state of " + who + " is version " + std::to_string(b.version) + "; this kjump's " + who +
                       " is version " + std::to_string(d.version_) + " and loads " +
                       (d.minimum_ < d.version_
                            ? "versions " + std::to_string(d.minimum_) + " to " + std::to_string(d.version_)
                            : std::string("only that version")));
    size_t i = 0;
    auto next_is = [&](Kind kind, const std::string& name) {
      return i < b.items.size() && b.items[i].kind == uint8_t(kind) && b.items[i].name == name;
    };
    auto mismatch = [&](const std::string& expected) {
      if (i < b.items.size()) return StateError(describe(b.items[i]) + " found where " + expected + " was expected");
      return StateError("state of " + who + " ends where " + expected + " was expected");
    };
    for (auto& e : d.entries_) {
      switch (e.kind) {
        case Kind::Field: {
          const StateField& f = e.field;
          check_since(d, f);
          if (f.since > b.version) {
            plan.actions.push_back({Action::Zero, &f});
            break;
          }
          if (!next_is(Kind::Field, f.name)) throw mismatch("'" + f.name + "'");
          if (!fits(f, b.items[i].payload)) throw StateError("state field '" + f.name + "' has the wrong size");
          if (std::string why = state_detail::invalid_payload(f, b.items[i].payload); !why.empty())
            throw StateValueError("state of " + who + ": field '" + f.name + "' " + why);
          if (!f.valid.predicates.empty()) plan.checks.push_back({who, &f});
          plan.actions.push_back({Action::Apply, &f, b.items[i++].payload});
          break;
        }
        case Kind::Component:
          if (!next_is(Kind::Component, e.node->name_)) throw mismatch("component '" + bare(e.node->name_) + "'");
          match(*e.node, *b.items[i++].node, plan);
          break;
        case Kind::Section:
          if (next_is(Kind::Section, e.node->name_)) match(*e.node, *b.items[i++].node, plan);
          else plan.actions.push_back({Action::Reset, nullptr, {}, e.node.get()});
          break;
      }
    }
    if (i < b.items.size()) throw StateError("state of " + who + " has an unexpected " + describe(b.items[i]));
    if (b.version < d.version_ && d.upgrade_) plan.upgrades.emplace_back(&d, b.version);
  }

  static void reset(const StateDecl& section) {
    if (section.reset_) section.reset_();
    else for_each_field(section, true, zero);
  }

  static void run(const Plan& plan) {
    for (auto& a : plan.actions) switch (a.op) {
        case Action::Apply: apply(*a.field, a.payload); break;
        case Action::Zero: zero(*a.field); break;
        case Action::Reset: reset(*a.section); break;
      }
    for (auto& [d, from] : plan.upgrades) d->upgrade_(from);
  }

  // The first predicate that fails, as a message; empty when all hold.
  static std::string failed_check(const Plan& plan) {
    for (const Check& c : plan.checks)
      for (const FieldPredicate& p : c.field->valid.predicates)
        if (!p.ok()) return "state of " + c.component + ": field '" + c.field->name + "' " + format_field(*c.field) +
                            ", not " + p.what;
    return {};
  }
};

StateDecl::StateDecl() = default;
StateDecl::~StateDecl() = default;
StateDecl::StateDecl(StateDecl&&) noexcept = default;
StateDecl& StateDecl::operator=(StateDecl&&) noexcept = default;

void StateDecl::add(StateField f, uint32_t since) {
  f.name = prefix_ + f.name;
  f.since = since;
  entries_.push_back({Kind::Field, std::move(f), nullptr});
}

StateDecl& StateDecl::add_node(Kind kind, std::string name, std::string prefix) {
  auto node = std::make_unique<StateDecl>();
  node->name_ = std::move(name);
  node->prefix_ = prefix_ + prefix;
  StateDecl& ref = *node;
  entries_.push_back({kind, StateField{}, std::move(node)});
  return ref;
}

void StateDecl::version(uint32_t current, uint32_t minimum) {
  if (minimum == 0 || minimum > current)
    throw std::logic_error("state version " + std::to_string(current) + " with minimum " + std::to_string(minimum));
  version_ = current;
  minimum_ = minimum;
}

void StateDecl::upgrade(std::function<void(uint32_t from)> fn) { upgrade_ = std::move(fn); }

void StateDecl::section(std::string name, std::function<bool()> needed, const std::function<void(StateDecl&)>& declare,
                        std::function<void()> reset) {
  if (name.empty() || !needed || !declare) throw std::logic_error("a state section needs a name, needed() and declare()");
  for (auto& e : entries_)
    if (e.kind == Kind::Section && e.node->name_ == name)
      throw std::logic_error("state section '" + prefix_ + name + "' is declared twice");
  StateDecl& s = add_node(Kind::Section, name, name + ".");
  s.needed_ = std::move(needed);
  s.reset_ = std::move(reset);
  declare(s);
}

void StateDecl::include(const std::string& prefix, Stateful& child) {
  child.declare_state(add_node(Kind::Component, prefix, prefix));
}

std::vector<StateField> StateDecl::fields(bool all) const {
  std::vector<StateField> out;
  StateAccess::for_each_field(*this, all, [&](const StateField& f) { out.push_back(f); });
  return out;
}

uint64_t hash_bytes(const void* p, size_t n, uint64_t seed) { return XXH3_64bits_withSeed(p, n, seed); }

std::vector<uint8_t> save_state(Stateful& s) {
  StateDecl d;
  s.declare_state(d);
  ByteWriter w;
  w.bytes(kMagic, sizeof kMagic);
  StateAccess::save(d, w);
  return w.take();
}

namespace {
// load_state, or with `trial` check_state: the same checks, and the previous state put back.
void load_or_check(Stateful& s, std::span<const uint8_t> blob, bool trial) {
  StateDecl d;
  s.declare_state(d);
  BlobNode root = parse(blob);
  StateAccess::Plan plan;
  StateAccess::match(d, root, plan);
  // Predicates can only look at written fields: keep what was there to put it back.
  std::vector<uint8_t> before;
  if (trial || !plan.checks.empty()) {
    ByteWriter w;
    w.bytes(kMagic, sizeof kMagic);
    StateAccess::save(d, w);
    before = w.take();
  }
  StateAccess::run(plan);
  std::string why = StateAccess::failed_check(plan);
  if (trial || !why.empty()) {
    StateAccess::Plan undo;
    StateAccess::match(d, parse(before), undo);
    undo.upgrades.clear();
    StateAccess::run(undo);
  }
  if (!why.empty()) throw StateValueError(why);
  if (!trial) s.post_load();
}
}  // namespace

void load_state(Stateful& s, std::span<const uint8_t> blob) { load_or_check(s, blob, false); }

void check_state(Stateful& s, std::span<const uint8_t> blob) { load_or_check(s, blob, true); }

uint64_t hash_state(Stateful& s) {
  StateDecl d;
  s.declare_state(d);
  ByteWriter buf;
  StateAccess::for_each_field(d, false, [&](const StateField& f) {
    if (!f.hashed) return;
    buf.str(f.name);
    buf.u8(0);
    payload_of(f, buf);
  });
  return hash_bytes(buf.data().data(), buf.size());
}

std::vector<std::string> unvalidated_fields(Stateful& s) {
  StateDecl d;
  s.declare_state(d);
  std::vector<std::string> out;
  StateAccess::for_each_field(d, true, [&](const StateField& f) {
    const bool typed = f.type == FieldType::Bool || f.type == FieldType::Bytes || f.type == FieldType::TimerState;
    if (!typed && !f.valid.declared) out.push_back(f.name);
  });
  return out;
}

std::vector<InspectedField> inspect_state(Stateful& s) {
  StateDecl d;
  s.declare_state(d);
  std::vector<InspectedField> out;
  StateAccess::for_each_field(d, false, [&](const StateField& f) { out.push_back({f.name, format_field(f)}); });
  return out;
}

std::vector<std::string> diff_state(Stateful& s, std::span<const uint8_t> a, std::span<const uint8_t> b) {
  BlobNode na = parse(a), nb = parse(b);
  std::vector<const BlobNode::Item*> ra, rb;
  flatten(na, ra);
  flatten(nb, rb);
  StateDecl d;
  s.declare_state(d);
  std::unordered_set<std::string_view> unhashed;
  StateAccess::for_each_field(d, true, [&](const StateField& f) {
    if (!f.hashed) unhashed.insert(f.name);
  });
  std::unordered_map<std::string_view, std::span<const uint8_t>> in_b;
  for (auto* it : rb) in_b.emplace(it->name, it->payload);
  std::unordered_set<std::string_view> in_a;
  std::vector<std::string> out;
  for (auto* it : ra) {
    in_a.insert(it->name);
    if (unhashed.count(it->name)) continue;
    auto other = in_b.find(it->name);
    if (other == in_b.end() || !std::equal(it->payload.begin(), it->payload.end(), other->second.begin(),
                                           other->second.end()))
      out.push_back(it->name);
  }
  for (auto* it : rb)
    if (!in_a.count(it->name) && !unhashed.count(it->name)) out.push_back(it->name);
  return out;
}

namespace {
void read_components(const BlobNode& n, SavedState& out) {
  for (auto& it : n.items) {
    if (!it.node) {
      out.fields.push_back({it.name, it.payload});
      continue;
    }
    if (it.kind == 1) out.components.push_back({bare(it.node->name), it.node->version});
    read_components(*it.node, out);
  }
}
}  // namespace

SavedState read_saved_state(std::span<const uint8_t> blob) {
  SavedState out;
  read_components(parse(blob), out);
  return out;
}

std::string format_payload(const StateField* f, std::span<const uint8_t> payload) {
  if (f && fits(*f, payload)) return format_fitting(*f, payload);
  return format_raw(payload, true);
}

}  // namespace kjump
