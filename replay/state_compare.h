// Saved machine states compared field by field, with the values on both sides: every hashed
// field, or only the devices' programmed configuration (the fields and bits their
// declarations mark, emu/state.h "Programmed configuration"). The states are blobs as
// save_state writes them; a declaration — a Machine's state(), a live one or
// Machine::declaration_only() — gives the marks and the types to show values with, so the
// values read exactly as `assert device` and inspect_state show them.
//
// Used by the scenario's `assert config == snapshot NAME` (the live machine against a named
// snapshot) and by `kjump snapshot diff` (two snapshot files, possibly of two machines with
// different configurations: comparable as long as they hold the same components).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "emu/state.h"

namespace kjump {

struct FieldDifference {
  // As inspect_state names the field; a part of one adds the element and the bits that are
  // configuration: "pit.ch0.mode", "rtc.cmos[10]&0x7f", "ide.cmd&0x02".
  std::string name;
  std::string a, b;  // the values in the first and the second state; "(absent)" if missing
};

// The programmed configuration held in `state`: every marked part of every field
// `declaration` declares, in declaration order, named as FieldDifference names them.
std::vector<InspectedField> configuration_of(Stateful& declaration, std::span<const uint8_t> state);

// The marked parts whose values differ between `a` and `b`.
std::vector<FieldDifference> configuration_differences(Stateful& declaration, std::span<const uint8_t> a,
                                                       std::span<const uint8_t> b);

// Every field whose payload differs, in the order of `a` and then the fields only `b` has;
// the fields `declaration` leaves unhashed (host-pointer blobs) are skipped, as diff_state
// does. Fields the declaration does not know are shown raw (format_payload).
std::vector<FieldDifference> state_differences(Stateful& declaration, std::span<const uint8_t> a,
                                               std::span<const uint8_t> b);

// The first difference between the components two states hold (a component only one has,
// or one at two versions), said with the states' labels: "ide is version 2 in a.snap, 1 in
// b.snap", "port92 is in a.snap, not in b.snap"; nullopt if they hold the same. States that
// differ here are not compared: the same field name could mean two things.
std::optional<std::string> component_mismatch(std::span<const uint8_t> a, const std::string& label_a,
                                              std::span<const uint8_t> b, const std::string& label_b);
// The first component of `state` that `declaration` does not declare at the same version
// ("ide is version 2, this kjump's is version 1"); nullopt if none. The configuration marks
// belong to this kjump's layouts, so configuration is only read from state in them.
std::optional<std::string> layout_mismatch(std::span<const uint8_t> state, Stateful& declaration);

}  // namespace kjump
