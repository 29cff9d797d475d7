#include "scenario/commands.h"

namespace kjump::scenario {

const char* to_string(CompareOp op) {
  switch (op) {
    case CompareOp::Eq: return "==";
    case CompareOp::Ne: return "!=";
    case CompareOp::Lt: return "<";
    case CompareOp::Le: return "<=";
    case CompareOp::Gt: return ">";
    case CompareOp::Ge: return ">=";
  }
  return "?";
}

namespace {

using Fn = std::function<void(const Text&)>;

void each(const std::optional<Text>& t, const Fn& fn) {
  if (t) fn(*t);
}

void texts(const MemoryCmd& c, const Fn& fn) { fn(c.size); }
void texts(const KernelCmd& c, const Fn& fn) {
  fn(c.path);
  for (auto& a : c.args) fn(a);
}
void texts(const AppendCmd& c, const Fn& fn) { fn(c.text); }
void texts(const DiskCmd& c, const Fn& fn) {
  fn(c.path);
  each(c.scratch_size, fn);
  for (auto& t : c.partitions) fn(t);
}
void texts(const FwCmd& c, const Fn& fn) {
  fn(c.name);
  fn(c.value);
}
void texts(const ModuleCmd& c, const Fn& fn) { fn(c.entry); }
void texts(const InjectCmd& c, const Fn& fn) { fn(c.fault); }
void texts(const BootCmd&, const Fn&) {}
void texts(const PowerCmd&, const Fn&) {}
void texts(const SendCmd& c, const Fn& fn) { fn(c.text); }
void texts(const ExpectCmd& c, const Fn& fn) {
  each(c.text, fn);
  each(c.timeout, fn);
}
void texts(const WaitCmd& c, const Fn& fn) { fn(c.duration); }
void texts(const CheckpointCmd& c, const Fn& fn) { fn(c.name); }
void texts(const ReportCmd& c, const Fn& fn) { fn(c.path); }
void texts(const SnapshotCmd& c, const Fn& fn) {
  fn(c.name);
  each(c.path, fn);
}
void texts(const AssertRegCmd& c, const Fn& fn) { fn(c.value); }
void texts(const AssertMemCmd& c, const Fn& fn) {
  fn(c.address);
  fn(c.value);
}
void texts(const AssertDeviceCmd& c, const Fn& fn) { fn(c.value); }
void texts(const AssertSerialCmd& c, const Fn& fn) { each(c.contains, fn); }
void texts(const AssertVarCmd& c, const Fn& fn) { fn(c.value); }
void texts(const AssertStateCmd& c, const Fn& fn) { fn(c.snapshot); }
void texts(const AssertAuditCmd& c, const Fn& fn) {
  if (c.what != AssertAuditCmd::What::Clean) fn(c.value);
}
void texts(const EchoCmd& c, const Fn& fn) {
  for (auto& w : c.words) fn(w);
}
void texts(const SetCmd& c, const Fn& fn) { fn(c.value); }
void texts(const ExitCmd&, const Fn&) {}
void texts(const StepCmd& c, const Fn& fn) { each(c.count, fn); }
void texts(const ContinueCmd& c, const Fn& fn) { each(c.limit, fn); }
void texts(const UntilCmd& c, const Fn& fn) { fn(c.where); }
void texts(const GotoCmd& c, const Fn& fn) { fn(c.count); }
void texts(const BreakCmd& c, const Fn& fn) {
  fn(c.where);
  for (const Text& t : c.condition) fn(t);
}
void texts(const WatchCmd& c, const Fn& fn) {
  fn(c.where);
  each(c.length, fn);
}
void texts(const FinishCmd&, const Fn&) {}
void texts(const ReverseFinishCmd&, const Fn&) {}
void texts(const BacktraceCmd& c, const Fn& fn) { each(c.count, fn); }
void texts(const TranslateCmd& c, const Fn& fn) { fn(c.where); }
void texts(const DeleteCmd& c, const Fn& fn) { each(c.id, fn); }
void texts(const InfoCmd& c, const Fn& fn) { each(c.name, fn); }
void texts(const ExamineCmd& c, const Fn& fn) { fn(c.where); }
void texts(const PrintCmd& c, const Fn& fn) {
  fn(c.expr);
  for (const Text& t : c.more) fn(t);
}
void texts(const DisasCmd& c, const Fn& fn) {
  each(c.where, fn);
  each(c.count, fn);
}
void texts(const ReverseStepCmd& c, const Fn& fn) { each(c.count, fn); }
void texts(const ReverseContinueCmd&, const Fn&) {}

}  // namespace

void for_each_text(const CommandBody& body, const Fn& fn) {
  std::visit([&](const auto& c) { texts(c, fn); }, body);
}

ResolvedArgs::ResolvedArgs(const CommandBody& body, const Variables& vars) {
  for_each_text(body, [&](const Text& t) { values_.emplace_back(&t, expand(t, vars)); });
}

const std::string& ResolvedArgs::operator()(const Text& t) const {
  for (auto& [text, value] : values_)
    if (text == &t) return value;
  throw std::logic_error("ResolvedArgs: not an argument of this command");
}

}  // namespace kjump::scenario
