#include "replay/state_compare.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "base/bytes.h"
#include "base/hex.h"
#include "base/text_escape.h"

namespace kjump {
namespace {

constexpr const char* kAbsent = "(absent)";

// Every field a declaration has (sections that are not needed now included: saved state may
// hold them), found by name.
struct Declared {
  std::vector<StateField> fields;
  std::unordered_map<std::string_view, const StateField*> by_name;

  explicit Declared(Stateful& s) {
    StateDecl d;
    s.declare_state(d);
    fields = d.fields(/*all=*/true);
    for (const StateField& f : fields) by_name.emplace(f.name, &f);
  }
  const StateField* find(std::string_view name) const {
    auto it = by_name.find(name);
    return it == by_name.end() ? nullptr : it->second;
  }
};

std::unordered_map<std::string_view, std::span<const uint8_t>> payloads(const SavedState& s) {
  std::unordered_map<std::string_view, std::span<const uint8_t>> out;
  for (const SavedField& f : s.fields) out.emplace(f.name, f.payload);
  return out;
}

// What a ConfigPart's `element` counts: array elements, or bytes of a blob / byte vector.
size_t element_size(const StateField& f) {
  return f.type == FieldType::Bytes || f.type == FieldType::ByteVector ? 1 : f.size;
}
uint64_t element_bits(size_t size) { return size >= 8 ? ~uint64_t(0) : (uint64_t(1) << (8 * size)) - 1; }

std::string part_name(const StateField& f, const ConfigPart& part) {
  std::string n = f.name;
  if (part.element != ConfigPart::kEvery) n += "[" + std::to_string(part.element) + "]";
  uint64_t all = element_bits(element_size(f));
  if ((part.mask & all) != all) n += "&" + hex(part.mask & all);
  return n;
}

std::string part_value(const StateField& f, const ConfigPart& part, std::span<const uint8_t> p) {
  if (part.whole()) return format_payload(&f, p);
  const size_t es = element_size(f);
  const size_t expected = f.type == FieldType::Bytes ? f.size : es * f.count;
  // Another layout than this declaration's: layout_mismatch keeps such state away, but a
  // value must still not be read past its payload.
  if ((f.type != FieldType::ByteVector && p.size() != expected) || p.size() % es != 0)
    return "(" + std::to_string(p.size()) + " bytes, not this field's layout)";
  const uint64_t mask = part.mask & element_bits(es);
  auto element = [&](size_t i) { return load_le(&p[i * es], es) & mask; };
  if (part.element != ConfigPart::kEvery)
    return (part.element + 1) * es <= p.size() ? hex(element(part.element)) : kAbsent;
  size_t n = p.size() / es;
  if (n == 1 && f.type != FieldType::ByteVector) return hex(element(0));
  std::string s = "[";
  for (size_t i = 0; i < n; ++i) s += (i ? " " : "") + hex(element(i));
  return s + "]";
}

// The components of a state, matched by name in order (the engine's clock and CPU are both
// included without a prefix, so a name may come twice).
struct ComponentMatch {
  const SavedComponent* a;
  const SavedComponent* b;  // null: only in the first
};
std::vector<ComponentMatch> match_components(const std::vector<SavedComponent>& a, const std::vector<SavedComponent>& b,
                                             std::vector<const SavedComponent*>& only_b) {
  std::vector<bool> used(b.size(), false);
  std::vector<ComponentMatch> out;
  for (const SavedComponent& c : a) {
    const SavedComponent* m = nullptr;
    for (size_t i = 0; i < b.size() && !m; ++i)
      if (!used[i] && b[i].name == c.name) {
        used[i] = true;
        m = &b[i];
      }
    out.push_back({&c, m});
  }
  for (size_t i = 0; i < b.size(); ++i)
    if (!used[i]) only_b.push_back(&b[i]);
  return out;
}

// A component as a mismatch message names it; the name may come from a damaged file, so it is
// escaped (the message is one line).
std::string shown(const SavedComponent& c) { return c.name.empty() ? "the engine's state" : escape_for_message(c.name); }

}  // namespace

std::vector<InspectedField> configuration_of(Stateful& declaration, std::span<const uint8_t> state) {
  const Declared decl(declaration);
  const SavedState saved = read_saved_state(state);
  const auto values = payloads(saved);
  std::vector<InspectedField> out;
  for (const StateField& f : decl.fields) {
    if (f.config.empty()) continue;
    auto it = values.find(f.name);
    for (const ConfigPart& part : f.config)
      out.push_back({part_name(f, part), it == values.end() ? kAbsent : part_value(f, part, it->second)});
  }
  return out;
}

std::vector<FieldDifference> configuration_differences(Stateful& declaration, std::span<const uint8_t> a,
                                                       std::span<const uint8_t> b) {
  std::vector<InspectedField> ca = configuration_of(declaration, a), cb = configuration_of(declaration, b);
  std::vector<FieldDifference> out;
  // One declaration: the same parts in the same order on both sides.
  for (size_t i = 0; i < ca.size(); ++i)
    if (ca[i].value != cb[i].value) out.push_back({ca[i].name, ca[i].value, cb[i].value});
  return out;
}

std::vector<FieldDifference> state_differences(Stateful& declaration, std::span<const uint8_t> a,
                                               std::span<const uint8_t> b) {
  const Declared decl(declaration);
  const SavedState sa = read_saved_state(a), sb = read_saved_state(b);
  const auto in_a = payloads(sa), in_b = payloads(sb);
  auto skipped = [&](const std::string& name) {
    const StateField* f = decl.find(name);
    return f && !f->hashed;
  };
  auto show = [&](const SavedField& f) { return format_payload(decl.find(f.name), f.payload); };
  std::vector<FieldDifference> out;
  for (const SavedField& f : sa.fields) {
    if (skipped(f.name)) continue;
    auto other = in_b.find(f.name);
    if (other == in_b.end()) {
      out.push_back({f.name, show(f), kAbsent});
    } else if (!std::ranges::equal(f.payload, other->second)) {
      out.push_back({f.name, show(f), format_payload(decl.find(f.name), other->second)});
    }
  }
  for (const SavedField& f : sb.fields)
    if (!skipped(f.name) && !in_a.count(f.name)) out.push_back({f.name, kAbsent, show(f)});
  return out;
}

std::optional<std::string> component_mismatch(std::span<const uint8_t> a, const std::string& label_a,
                                              std::span<const uint8_t> b, const std::string& label_b) {
  const SavedState sa = read_saved_state(a), sb = read_saved_state(b);
  std::vector<const SavedComponent*> only_b;
  for (const ComponentMatch& m : match_components(sa.components, sb.components, only_b)) {
    if (!m.b) return shown(*m.a) + " is in " + label_a + ", not in " + label_b;
    if (m.a->version != m.b->version)
      return shown(*m.a) + " is version " + std::to_string(m.a->version) + " in " + label_a + ", " +
             std::to_string(m.b->version) + " in " + label_b;
  }
  if (!only_b.empty()) return shown(*only_b.front()) + " is in " + label_b + ", not in " + label_a;
  return std::nullopt;
}

std::optional<std::string> layout_mismatch(std::span<const uint8_t> state, Stateful& declaration) {
  const std::vector<uint8_t> ours = save_state(declaration);
  const SavedState s = read_saved_state(state), o = read_saved_state(ours);
  std::vector<const SavedComponent*> only_ours;
  for (const ComponentMatch& m : match_components(s.components, o.components, only_ours)) {
    if (!m.b) return shown(*m.a) + " is not part of this kjump's machine";
    if (m.a->version != m.b->version)
      return shown(*m.a) + " is version " + std::to_string(m.a->version) + ", this kjump's is version " +
             std::to_string(m.b->version);
  }
  if (!only_ours.empty()) return "it has no " + shown(*only_ours.front()) + " state, which this kjump's machine has";
  return std::nullopt;
}

}  // namespace kjump
