// The debugger's small expression language, for `break ADDR if COND`: gdb's C-like spelling
// for what a kernel engineer tests at a breakpoint, without types.
//
//   expr    := or ;  or := and ('||' and)* ;  and := cmp ('&&' cmp)*
//   cmp     := bits (('=='|'!='|'<'|'<='|'>'|'>=') bits)?
//   bits    := sum (('&'|'|'|'^') sum)* ;  sum := unary (('+'|'-') unary)*
//   unary   := ('!'|'-'|'~') unary | '*' cast? unary | primary
//   cast    := '(' ('u8'|'u16'|'u32'|'uint8_t'|'uint16_t'|'uint32_t'|'char'|'short'|'int') '*' ')'
//   primary := NUMBER | '$'REG | REG | SYMBOL['+'N] | '(' expr ')'
//
// A symbol is its address (there are no types: `*sym` reads the 32-bit word at it, as gdb's
// `*(int*)&sym`). `*` reads guest virtual memory through the current page tables without side
// effects; unmapped memory is an evaluation error. Values are unsigned 32-bit; comparisons
// give 0 or 1. Parsing is done once, when the command is read (a bad condition is one line
// naming the column), evaluation at each stop.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "machine/machine.h"

namespace kjump::scenario {

struct ExprNode;

class ExprError : public std::runtime_error {
 public:
  ExprError(size_t offset, const std::string& what) : std::runtime_error(what), offset(offset) {}
  size_t offset;  // in the expression text
};

class Expression {
 public:
  // Throws ExprError for a syntax error.
  static Expression parse(const std::string& text);
  // The value, or nullopt with `error` set (memory not mapped, an unknown symbol).
  std::optional<uint32_t> eval(Machine& m, std::string* error) const;
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::shared_ptr<const ExprNode> root_;
};

}  // namespace kjump::scenario
