// A recursive-descent parser and evaluator for the debugger's conditions (debug_expr.h).
#include "scenario/debug_expr.h"

#include <cctype>
#include <vector>

#include "base/quantity.h"

namespace kjump::scenario {

struct ExprNode {
  enum class Kind { Number, Reg, Symbol, Unary, Binary, Load } kind;
  std::string op;    // Unary/Binary: the operator
  uint32_t value = 0;
  unsigned size = 4; // Load: bytes
  Reg reg = Reg::EAX;
  std::string name;  // Symbol
  size_t offset = 0; // where in the text (errors)
  std::shared_ptr<const ExprNode> a, b;
};

namespace {

using Node = std::shared_ptr<const ExprNode>;

class Parser {
 public:
  explicit Parser(const std::string& s) : s_(s) {}

  Node whole() {
    Node n = binary(0);
    skip();
    if (i_ < s_.size()) throw ExprError(i_, "unexpected '" + s_.substr(i_, 8) + "'");
    return n;
  }

 private:
  // Binary operators by precedence level, lowest first.
  static const std::vector<std::vector<std::string>>& levels() {
    static const std::vector<std::vector<std::string>> l = {
        {"||"}, {"&&"}, {"==", "!=", "<=", ">=", "<", ">"}, {"&", "|", "^"}, {"+", "-"}};
    return l;
  }

  void skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool peek(const std::string& t) {
    skip();
    return s_.compare(i_, t.size(), t) == 0;
  }
  // The operator at i_ of this level, longest first; `&` is not `&&`, `|` not `||`.
  std::optional<std::string> op_at(const std::vector<std::string>& ops) {
    skip();
    for (const std::string& o : ops) {
      if (s_.compare(i_, o.size(), o) != 0) continue;
      if ((o == "&" || o == "|") && i_ + 1 < s_.size() && s_[i_ + 1] == o[0]) continue;
      if ((o == "<" || o == ">") && i_ + 1 < s_.size() && s_[i_ + 1] == '=') continue;
      return o;
    }
    return std::nullopt;
  }

  Node binary(size_t level) {
    if (level == levels().size()) return unary();
    Node left = binary(level + 1);
    for (;;) {
      size_t at = (skip(), i_);
      auto o = op_at(levels()[level]);
      if (!o) return left;
      i_ += o->size();
      Node right = binary(level + 1);
      auto n = std::make_shared<ExprNode>();
      n->kind = ExprNode::Kind::Binary;
      n->op = *o;
      n->offset = at;
      n->a = left;
      n->b = right;
      left = n;
      if (level == 2) return left;  // comparisons do not chain
    }
  }

  Node unary() {
    skip();
    size_t at = i_;
    if (i_ < s_.size() && (s_[i_] == '!' || s_[i_] == '-' || s_[i_] == '~') && !peek("!=")) {
      char c = s_[i_++];
      auto n = std::make_shared<ExprNode>();
      n->kind = ExprNode::Kind::Unary;
      n->op = std::string(1, c);
      n->offset = at;
      n->a = unary();
      return n;
    }
    if (i_ < s_.size() && s_[i_] == '*') {
      ++i_;
      auto n = std::make_shared<ExprNode>();
      n->kind = ExprNode::Kind::Load;
      n->offset = at;
      n->size = cast();
      n->a = unary();
      return n;
    }
    return primary();
  }

  // An optional `(TYPE *)` after `*`: the size of the load.
  unsigned cast() {
    skip();
    if (i_ >= s_.size() || s_[i_] != '(') return 4;
    size_t save = i_;
    ++i_;
    skip();
    size_t b = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_')) ++i_;
    std::string type = s_.substr(b, i_ - b);
    skip();
    if (i_ >= s_.size() || s_[i_] != '*') {
      i_ = save;  // `*(expr)`: a parenthesised address
      return 4;
    }
    ++i_;
    skip();
    if (i_ >= s_.size() || s_[i_] != ')') throw ExprError(i_, "expected ')' after the cast");
    ++i_;
    if (type == "u8" || type == "uint8_t" || type == "char") return 1;
    if (type == "u16" || type == "uint16_t" || type == "short") return 2;
    if (type == "u32" || type == "uint32_t" || type == "int" || type == "long") return 4;
    throw ExprError(b, "unknown type '" + type + "' (u8 u16 u32, uint8_t uint16_t uint32_t, char short int)");
  }

  Node primary() {
    skip();
    size_t at = i_;
    if (i_ >= s_.size()) throw ExprError(i_, "expected a value at the end");
    auto n = std::make_shared<ExprNode>();
    n->offset = at;
    if (s_[i_] == '(') {
      ++i_;
      Node inner = binary(0);
      skip();
      if (i_ >= s_.size() || s_[i_] != ')') throw ExprError(i_, "expected ')'");
      ++i_;
      return inner;
    }
    bool dollar = s_[i_] == '$';
    if (dollar) ++i_;
    size_t b = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' || s_[i_] == '.' ||
                              s_[i_] == ':'))
      ++i_;
    std::string word = s_.substr(b, i_ - b);
    if (word.empty()) throw ExprError(at, "expected a value, found '" + s_.substr(at, 8) + "'");
    if (std::isdigit(static_cast<unsigned char>(word[0]))) {
      try {
        uint64_t v = parse_number(word);
        if (v > 0xFFFFFFFFull) throw ExprError(at, "number '" + word + "' is wider than 32 bits");
        n->kind = ExprNode::Kind::Number;
        n->value = uint32_t(v);
        return n;
      } catch (const std::invalid_argument&) {
        throw ExprError(at, "bad number '" + word + "'");
      }
    }
    if (auto r = reg_by_name(word)) {
      n->kind = ExprNode::Kind::Reg;
      n->reg = *r;
      return n;
    }
    if (dollar) throw ExprError(at, "unknown register '$" + word + "'");
    n->kind = ExprNode::Kind::Symbol;
    n->name = word;
    return n;
  }

  const std::string& s_;
  size_t i_ = 0;
};

std::optional<uint32_t> eval_node(const ExprNode& n, Machine& m, std::string* error) {
  switch (n.kind) {
    case ExprNode::Kind::Number: return n.value;
    case ExprNode::Kind::Reg: return m.engine().reg(n.reg);
    case ExprNode::Kind::Symbol:
      if (auto a = m.symbols().find(n.name)) return *a;
      if (error) *error = "no symbol '" + n.name + "' in the guest kernel";
      return std::nullopt;
    case ExprNode::Kind::Load: {
      auto a = eval_node(*n.a, m, error);
      if (!a) return std::nullopt;
      uint8_t b[4] = {};
      if (!m.engine().read_virt(*a, b, n.size)) {
        if (error) *error = "cannot access memory at " + std::to_string(*a) + " (not mapped)";
        return std::nullopt;
      }
      return uint32_t(b[0] | b[1] << 8 | b[2] << 16 | uint32_t(b[3]) << 24);
    }
    case ExprNode::Kind::Unary: {
      auto a = eval_node(*n.a, m, error);
      if (!a) return std::nullopt;
      if (n.op == "!") return uint32_t(*a == 0);
      if (n.op == "-") return uint32_t(-*a);
      return ~*a;
    }
    case ExprNode::Kind::Binary: {
      auto a = eval_node(*n.a, m, error);
      if (!a) return std::nullopt;
      // && and || short-circuit, as in C: `p != 0 && *p == 3` never reads through 0.
      if (n.op == "&&" && !*a) return 0u;
      if (n.op == "||" && *a) return 1u;
      auto b = eval_node(*n.b, m, error);
      if (!b) return std::nullopt;
      const std::string& o = n.op;
      if (o == "&&" || o == "||") return uint32_t(*b != 0);
      if (o == "==") return uint32_t(*a == *b);
      if (o == "!=") return uint32_t(*a != *b);
      if (o == "<") return uint32_t(*a < *b);
      if (o == "<=") return uint32_t(*a <= *b);
      if (o == ">") return uint32_t(*a > *b);
      if (o == ">=") return uint32_t(*a >= *b);
      if (o == "&") return *a & *b;
      if (o == "|") return *a | *b;
      if (o == "^") return *a ^ *b;
      if (o == "+") return *a + *b;
      return *a - *b;
    }
  }
  return std::nullopt;
}

}  // namespace

Expression Expression::parse(const std::string& text) {
  Expression e;
  e.text_ = text;
  e.root_ = Parser(e.text_).whole();
  return e;
}

std::optional<uint32_t> Expression::eval(Machine& m, std::string* error) const {
  if (error) error->clear();
  return eval_node(*root_, m, error);
}

}  // namespace kjump::scenario
