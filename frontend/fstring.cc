// String literals for the expression parser: implicit concatenation, and f-strings split into
// literal text and replacement fields `{expr!conv:spec}` (PEP 498; `{x=}` of Python 3.8). The
// expression of a field is lexed and parsed in place, so its nodes carry their line:col in the
// file.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "frontend/expr_parser.h"

namespace ttc::frontend {
namespace {

// Fields nest at most this deep (`{x:{width}}` is depth 2; Python allows 2 as well).
constexpr int kMaxFieldDepth = 2;

// The line:col of every byte of `text` (and of its end), starting at `at`.
std::vector<SourceLoc> Locations(const std::string& text, SourceLoc at) {
  std::vector<SourceLoc> locs;
  locs.reserve(text.size() + 1);
  SourceLoc l = at;
  for (char c : text) {
    locs.push_back(l);
    if (c == '\n') {
      ++l.line;
      l.col = 1;
    } else {
      ++l.col;
    }
  }
  locs.push_back(l);
  return locs;
}

// Moves a location of the re-lexed field text "(" + expr + ")" to the file.
SourceLoc Shift(SourceLoc l, SourceLoc at) {
  if (l.line == 1) return SourceLoc{at.line, at.col + l.col - 2};
  return SourceLoc{at.line + l.line - 1, l.col};
}

}  // namespace

ast::ExprPtr ExprParser::ParseStrings() {
  SourceLoc loc = Peek().loc;
  bool formatted = false;
  for (size_t k = 0; Peek(k).kind == TokenKind::kString; ++k) {
    if (Peek(k).string_prefix.find('f') != std::string::npos) formatted = true;
  }
  if (!formatted) {
    ExprPtr e = NewExpr(ExprKind::kString, loc);
    e->prefix = Peek().string_prefix;
    while (At(TokenKind::kString)) {
      const Token& s = Next();
      e->name += s.text;
      if (s.string_prefix.find('b') != std::string::npos) e->prefix = s.string_prefix;
    }
    return e;
  }
  ExprPtr e = NewExpr(ExprKind::kFString, loc);
  e->prefix = "f";
  while (At(TokenKind::kString)) {
    const Token& s = Next();
    if (s.string_prefix.find('b') != std::string::npos) return FailNull(s.loc, "cannot mix bytes and nonbytes literals");
    if (s.string_prefix.find('f') == std::string::npos) {
      ExprPtr part = NewExpr(ExprKind::kString, s.loc);
      part->name = s.text;
      e->items.push_back(std::move(part));
    } else if (!ParseFStringParts(s, e.get())) {
      return nullptr;
    }
  }
  return Finish(std::move(e));
}

bool ExprParser::ParseFStringParts(const Token& t, Expr* out) {
  return ParseFStringText(t.text, t.string_prefix.find('r') != std::string::npos, t.body_loc, out, 0);
}

bool ExprParser::ParseFStringText(const std::string& text, bool raw, SourceLoc at, Expr* out, int depth) {
  const std::vector<SourceLoc> locs = Locations(text, at);
  std::string literal;
  SourceLoc literal_loc = at;
  auto flush = [&] {
    if (literal.empty()) return;
    ExprPtr part = NewExpr(ExprKind::kString, literal_loc);
    part->name = raw ? literal : DecodeEscapes(literal);
    out->items.push_back(std::move(part));
    literal.clear();
  };
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        if (literal.empty()) literal_loc = locs[i];
        literal += '}';
        i += 2;
        continue;
      }
      return Fail(locs[i], "f-string: single '}' is not allowed (write '}}' for a literal brace)");
    }
    if (c != '{') {
      if (literal.empty()) literal_loc = locs[i];
      literal += c;
      ++i;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      if (literal.empty()) literal_loc = locs[i];
      literal += '{';
      i += 2;
      continue;
    }
    flush();
    if (depth >= kMaxFieldDepth) return Fail(locs[i], "f-string: expressions nested too deeply");
    SourceLoc field_loc = locs[i];
    size_t begin = ++i;
    // The expression runs to a top-level '!' (not '!='), ':' or '}'.
    int nest = 0;
    while (i < text.size()) {
      char d = text[i];
      if (d == '\'' || d == '"') {
        size_t close = text.find(d, i + 1);
        if (close == std::string::npos) return Fail(locs[i], "f-string: unterminated string in a replacement field");
        i = close + 1;
        continue;
      }
      if (d == '(' || d == '[' || d == '{') ++nest;
      if (d == ')' || d == ']' || d == '}') {
        if (nest == 0) break;
        --nest;
      }
      if (nest == 0 && ((d == '!' && (i + 1 >= text.size() || text[i + 1] != '=')) || d == ':')) break;
      if (d == '!' || d == '=' || d == '<' || d == '>') {
        // '!=', '==', '<=', '>=' are operators, not the end of the field or a `{x=}`
        if (i + 1 < text.size() && text[i + 1] == '=') {
          i += 2;
          continue;
        }
      }
      ++i;
    }
    if (i >= text.size()) return Fail(field_loc, "f-string: expecting '}'");
    std::string expr_text = text.substr(begin, i - begin);
    ExprPtr field = NewExpr(ExprKind::kFormatted, field_loc);
    // `{x=}`: the text up to and including '=' is printed before the value.
    size_t last = expr_text.find_last_not_of(" \t\n");
    if (last != std::string::npos && expr_text[last] == '=' &&
        (last == 0 || std::string("=!<>").find(expr_text[last - 1]) == std::string::npos)) {
      field->name = expr_text;
      expr_text.resize(last);
      field->op = "r";
    }
    if (expr_text.find_first_not_of(" \t\n") == std::string::npos) {
      return Fail(locs[begin], "f-string: empty expression not allowed");
    }
    LexResult lexed;
    Diagnostic lex_error;
    if (!Lex(absl::StrCat("(", expr_text, ")"), &lexed, &lex_error)) {
      return Fail(Shift(lex_error.loc, locs[begin]), absl::StrCat("f-string: ", lex_error.message));
    }
    for (Token& tok : lexed.tokens) tok.loc = Shift(tok.loc, locs[begin]);
    ExprParser sub(lexed.tokens, error_);
    sub.recursion_ = recursion_ + 1;
    ExprPtr value = sub.ParseAtom();
    if (!value) return false;
    if (!sub.At(TokenKind::kNewline) && !sub.At(TokenKind::kEnd)) {
      return Fail(sub.Peek().loc, absl::StrCat("f-string: expected '}' after the expression, got ", Describe(sub.Peek())));
    }
    value->parenthesized = false;
    field->items.push_back(std::move(value));
    if (text[i] == '!') {
      if (i + 1 >= text.size() || std::string("rsa").find(text[i + 1]) == std::string::npos) {
        return Fail(locs[i], "f-string: invalid conversion character: expected 's', 'r', or 'a'");
      }
      field->op = std::string(1, text[i + 1]);
      i += 2;
      if (i >= text.size() || (text[i] != ':' && text[i] != '}')) {
        return Fail(locs[std::min(i, text.size())], "f-string: expecting '}'");
      }
    } else if (!field->name.empty() && text[i] == ':') {
      field->op = "";  // `{x=:spec}` formats with the spec, not repr
    }
    if (text[i] == ':') {
      size_t spec_begin = ++i;
      int braces = 0;
      while (i < text.size() && (braces > 0 || text[i] != '}')) {
        if (text[i] == '{') ++braces;
        if (text[i] == '}') --braces;
        ++i;
      }
      if (i >= text.size()) return Fail(field_loc, "f-string: expecting '}'");
      ExprPtr spec = NewExpr(ExprKind::kFString, locs[spec_begin]);
      if (!ParseFStringText(text.substr(spec_begin, i - spec_begin), raw, locs[spec_begin], spec.get(), depth + 1)) {
        return false;
      }
      field->base = std::move(spec);
    }
    ++i;  // the closing '}'
    field = Finish(std::move(field));
    if (!field) return false;
    out->items.push_back(std::move(field));
  }
  flush();
  return true;
}

}  // namespace ttc::frontend
