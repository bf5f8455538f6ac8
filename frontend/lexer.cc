#include "frontend/lexer.h"

#include <charconv>
#include <cstring>
#include <string_view>

#include "absl/strings/str_cat.h"

namespace ttc::frontend {
namespace {

bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Whether `s` is well-formed UTF-8 (Python source is UTF-8; attribute strings end up in JSON).
bool IsUtf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : -1;
    if (n < 0 || i + n >= s.size() + (n == 0 ? 1 : 0)) return false;
    uint32_t cp = n == 0 ? c : n == 1 ? (c & 0x1f) : n == 2 ? (c & 0x0f) : (c & 0x07);
    for (int k = 1; k <= n; ++k) {
      unsigned char d = static_cast<unsigned char>(s[i + k]);
      if ((d >> 6) != 0x2) return false;
      cp = (cp << 6) | (d & 0x3f);
    }
    static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

// Operators, longest first so that the first match is the longest.
constexpr const char* kOperators[] = {
    "**=", "//=", ">>=", "<<=", "...", "->", ":=", "**", "//", "<<", ">>", "<=", ">=", "==", "!=", "+=",
    "-=",  "*=",  "/=",  "%=",  "&=",  "|=", "^=", "@=", "+",  "-",  "*",  "/",  "%",  "@",  "&",  "|",
    "^",   "~",   "<",   ">",   "(",   ")",  "[",  "]",  "{",  "}",  ",",  ":",  ".",  ";",  "="};

class Lexer {
 public:
  Lexer(const std::string& text, LexResult* out, Diagnostic* error) : s_(text), out_(out), error_(error) {}

  bool Run() {
    while (true) {
      if (at_line_start_) {
        // Lines inside brackets continue the logical line: no indentation of their own.
        if (brackets_.empty() && !Indentation()) return false;
        at_line_start_ = false;
      }
      if (pos_ >= s_.size()) break;
      char c = s_[pos_];
      if (c == '\n' || c == '\r') {
        if (brackets_.empty() && LastIsContent()) Emit(TokenKind::kNewline, Here(), "");
        NewLine();
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\f' || c == '\v') {
        ++pos_;
        continue;
      }
      if (c == '#') {
        Comment();
        continue;
      }
      if (c == '\\') {
        size_t n = pos_ + 1;
        if (n < s_.size() && (s_[n] == '\n' || s_[n] == '\r')) {
          pos_ = n;
          NewLine();
          at_line_start_ = false;  // a continuation line has no indentation of its own
          continue;
        }
        return Fail(Here(), "unexpected character '\\' (a line continuation must end its line)");
      }
      if (IsNameStart(c)) {
        if (!NameOrString()) return false;
        continue;
      }
      if (c == '"' || c == '\'') {
        if (!String(Here(), "")) return false;
        continue;
      }
      if (IsDigit(c) || (c == '.' && pos_ + 1 < s_.size() && IsDigit(s_[pos_ + 1]))) {
        if (!Number()) return false;
        continue;
      }
      if (!Operator()) return false;
    }
    if (!brackets_.empty()) {
      return Fail(brackets_.back().second, absl::StrCat("'", std::string(1, brackets_.back().first),
                                                         "' was never closed"));
    }
    SourceLoc end = Here();
    if (LastIsContent()) Emit(TokenKind::kNewline, end, "");
    while (indents_.size() > 1) {
      indents_.pop_back();
      Emit(TokenKind::kDedent, end, "");
    }
    Emit(TokenKind::kEnd, end, "");
    return true;
  }

 private:
  SourceLoc Here() const { return SourceLoc{line_, static_cast<int>(pos_ - line_start_) + 1}; }

  bool Fail(SourceLoc loc, std::string msg) {
    error_->loc = loc;
    error_->message = std::move(msg);
    return false;
  }

  void Emit(TokenKind kind, SourceLoc loc, std::string text) {
    Token t;
    t.kind = kind;
    t.loc = loc;
    t.text = std::move(text);
    out_->tokens.push_back(std::move(t));
  }

  bool LastIsContent() const {
    if (out_->tokens.empty()) return false;
    TokenKind k = out_->tokens.back().kind;
    return k != TokenKind::kNewline && k != TokenKind::kIndent && k != TokenKind::kDedent;
  }

  void NewLine() {
    if (s_[pos_] == '\r' && pos_ + 1 < s_.size() && s_[pos_ + 1] == '\n') ++pos_;
    ++pos_;
    ++line_;
    line_start_ = pos_;
    at_line_start_ = true;
  }

  // Measures the indentation of a logical line's first physical line and emits INDENT/DEDENT.
  bool Indentation() {
    size_t p = pos_;
    int width = 0;
    bool tab = false, space = false;
    while (p < s_.size() && (s_[p] == ' ' || s_[p] == '\t' || s_[p] == '\f')) {
      if (s_[p] == '\f') {
        return Fail(SourceLoc{line_, static_cast<int>(p - line_start_) + 1}, "form feed in indentation");
      }
      if (s_[p] == '\t') {
        tab = true;
        width = (width / 8 + 1) * 8;
      } else {
        space = true;
        ++width;
      }
      ++p;
    }
    // Blank and comment-only lines do not take part in indentation.
    if (p >= s_.size() || s_[p] == '\n' || s_[p] == '\r' || s_[p] == '#') return true;
    pos_ = p;
    if (tab && space) {
      return Fail(SourceLoc{line_, 1}, "inconsistent use of tabs and spaces in indentation: this line indents "
                                       "with both; indent with spaces only");
    }
    if (tab || space) {
      char c = tab ? '\t' : ' ';
      if (indent_char_ == 0) {
        indent_char_ = c;
        indent_line_ = line_;
      } else if (indent_char_ != c) {
        return Fail(SourceLoc{line_, 1},
                    absl::StrCat("inconsistent use of tabs and spaces in indentation: this line indents with ",
                                 tab ? "tabs" : "spaces", ", line ", indent_line_, " with ",
                                 tab ? "spaces" : "tabs"));
      }
    }
    if (width > indents_.back()) {
      if (static_cast<int>(indents_.size()) > kMaxNesting) {
        return Fail(Here(), absl::StrCat("too many levels of indentation (more than ", kMaxNesting, ")"));
      }
      indents_.push_back(width);
      Emit(TokenKind::kIndent, Here(), "");
      return true;
    }
    while (width < indents_.back()) {
      indents_.pop_back();
      Emit(TokenKind::kDedent, Here(), "");
    }
    if (width != indents_.back()) return Fail(Here(), "unindent does not match any outer indentation level");
    return true;
  }

  void Comment() {
    size_t begin = pos_;
    while (pos_ < s_.size() && s_[pos_] != '\n' && s_[pos_] != '\r') ++pos_;
    std::string_view body(s_.data() + begin + 1, pos_ - begin - 1);
    size_t skip = 0;
    while (skip < body.size() && (body[skip] == ' ' || body[skip] == '\t')) ++skip;
    body.remove_prefix(skip);
    if (body.substr(0, 4) != "ttc:") return;
    body.remove_prefix(4);
    size_t lead = 0;
    while (lead < body.size() && (body[lead] == ' ' || body[lead] == '\t')) ++lead;
    body.remove_prefix(lead);
    while (!body.empty() && (body.back() == ' ' || body.back() == '\t')) body.remove_suffix(1);
    Directive d;
    d.loc = SourceLoc{line_, static_cast<int>(begin + 1 + skip + 4 + lead - line_start_) + 1};
    d.body = std::string(body);
    out_->directives.push_back(std::move(d));
  }

  bool NameOrString() {
    SourceLoc loc = Here();
    size_t begin = pos_;
    while (pos_ < s_.size() && IsNameChar(s_[pos_])) ++pos_;
    std::string name = s_.substr(begin, pos_ - begin);
    if (pos_ < s_.size() && (s_[pos_] == '"' || s_[pos_] == '\'') && name.size() <= 2) {
      std::string prefix;
      for (char c : name) prefix += static_cast<char>(c | 0x20);
      static const char* kPrefixes[] = {"r", "u", "f", "b", "br", "rb", "fr", "rf"};
      for (const char* p : kPrefixes) {
        if (prefix == p) return String(loc, prefix);
      }
    }
    if (pos_ < s_.size() && static_cast<unsigned char>(s_[pos_]) >= 0x80) {
      return Fail(Here(), "invalid character in identifier (identifiers are ASCII)");
    }
    Emit(TokenKind::kName, loc, std::move(name));
    return true;
  }

  bool String(SourceLoc loc, std::string prefix) {
    char q = s_[pos_];
    bool triple = pos_ + 2 < s_.size() && s_[pos_ + 1] == q && s_[pos_ + 2] == q;
    pos_ += triple ? 3 : 1;
    // f-strings keep their text undecoded (escapes, `{{`): the parser splits literal text from
    // replacement fields first (frontend/fstring.cc) and decodes the literal parts itself.
    bool fstring = prefix.find('f') != std::string::npos;
    bool raw = fstring || prefix.find('r') != std::string::npos;
    SourceLoc body_loc = Here();
    std::string value;
    while (true) {
      if (pos_ >= s_.size()) {
        return Fail(loc, triple ? "unterminated triple-quoted string literal" : "unterminated string literal");
      }
      char c = s_[pos_];
      if (c == q && (!triple || (pos_ + 2 < s_.size() && s_[pos_ + 1] == q && s_[pos_ + 2] == q))) {
        pos_ += triple ? 3 : 1;
        break;
      }
      if (c == '\n' || c == '\r') {
        if (!triple) return Fail(loc, "unterminated string literal (a string ends on its line; use \"\"\" for more)");
        value += '\n';
        NewLine();
        at_line_start_ = false;
        continue;
      }
      if (c == '\\' && pos_ + 1 < s_.size()) {
        char n = s_[pos_ + 1];
        if (n == '\n' || n == '\r') {
          if (raw) value += '\\';
          ++pos_;
          NewLine();
          at_line_start_ = false;
          if (raw) value += '\n';
          continue;
        }
        pos_ += 2;
        if (raw) {
          value += '\\';
          value += n;
          continue;
        }
        switch (n) {
          case 'n': value += '\n'; break;
          case 't': value += '\t'; break;
          case 'r': value += '\r'; break;
          case '0': value += '\0'; break;
          case '\\': value += '\\'; break;
          case '\'': value += '\''; break;
          case '"': value += '"'; break;
          default:
            value += '\\';
            value += n;
        }
        continue;
      }
      value += c;
      ++pos_;
    }
    if (!IsUtf8(value)) return Fail(loc, "string literal is not valid UTF-8");
    Emit(TokenKind::kString, loc, std::move(value));
    out_->tokens.back().string_prefix = std::move(prefix);
    out_->tokens.back().body_loc = body_loc;
    return true;
  }

  bool Number() {
    SourceLoc loc = Here();
    size_t begin = pos_;
    bool hex = s_[pos_] == '0' && pos_ + 1 < s_.size() && (s_[pos_ + 1] == 'x' || s_[pos_ + 1] == 'X');
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (IsNameChar(c) || c == '.') {
        ++pos_;
      } else if ((c == '+' || c == '-') && !hex && (s_[pos_ - 1] == 'e' || s_[pos_ - 1] == 'E')) {
        ++pos_;
      } else {
        break;
      }
    }
    std::string raw = s_.substr(begin, pos_ - begin);
    std::string digits;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '_') {
        digits += raw[i];
      } else if (i == 0 || i + 1 == raw.size() || raw[i + 1] == '_') {
        return Fail(loc, absl::StrCat("invalid number literal '", raw, "'"));
      }
    }
    auto invalid = [&] { return Fail(loc, absl::StrCat("invalid number literal '", raw, "'")); };
    if (digits.back() == 'j' || digits.back() == 'J') {
      return Fail(loc, absl::StrCat("complex literal '", raw, "' is not supported"));
    }
    int base = 10;
    size_t skip = 0;
    if (digits.size() > 1 && digits[0] == '0') {
      char p = static_cast<char>(digits[1] | 0x20);
      if (p == 'x') base = 16;
      if (p == 'o') base = 8;
      if (p == 'b') base = 2;
      if (base != 10) skip = 2;
    }
    bool is_float = base == 10 && digits.find_first_of(".eE") != std::string::npos;
    const char* first = digits.data() + skip;
    const char* last = digits.data() + digits.size();
    Token t;
    t.loc = loc;
    t.text = raw;
    if (is_float) {
      double v = 0;
      auto [end, ec] = std::from_chars(first, last, v);
      if (ec == std::errc::result_out_of_range) return Fail(loc, absl::StrCat("float literal '", raw, "' is out of range"));
      if (ec != std::errc() || end != last) return invalid();
      t.kind = TokenKind::kFloat;
      t.float_value = v;
    } else {
      if (first == last) return invalid();
      if (base == 10 && digits.size() > 1 && digits[0] == '0' && digits.find_first_not_of('0') != std::string::npos) {
        return Fail(loc, absl::StrCat("leading zeros in decimal integer literal '", raw, "' are not permitted"));
      }
      int64_t v = 0;
      auto [end, ec] = std::from_chars(first, last, v, base);
      if (ec == std::errc::result_out_of_range) {
        return Fail(loc, absl::StrCat("integer literal '", raw, "' does not fit in 64 bits"));
      }
      if (ec != std::errc() || end != last) return invalid();
      t.kind = TokenKind::kInt;
      t.int_value = v;
    }
    out_->tokens.push_back(std::move(t));
    return true;
  }

  bool Operator() {
    SourceLoc loc = Here();
    std::string_view rest(s_.data() + pos_, s_.size() - pos_);
    for (const char* op : kOperators) {
      size_t n = std::strlen(op);
      if (rest.substr(0, n) != op) continue;
      pos_ += n;
      char c = op[0];
      if (n == 1 && (c == '(' || c == '[' || c == '{')) {
        if (static_cast<int>(brackets_.size()) >= kMaxNesting) {
          return Fail(loc, absl::StrCat("brackets nested too deeply (more than ", kMaxNesting, " levels)"));
        }
        brackets_.emplace_back(c, loc);
      } else if (n == 1 && (c == ')' || c == ']' || c == '}')) {
        char open = c == ')' ? '(' : c == ']' ? '[' : '{';
        if (brackets_.empty()) return Fail(loc, absl::StrCat("unmatched '", std::string(1, c), "'"));
        if (brackets_.back().first != open) {
          const SourceLoc& o = brackets_.back().second;
          return Fail(loc, absl::StrCat("closing '", std::string(1, c), "' does not match '",
                                        std::string(1, brackets_.back().first), "' opened at ", o.line, ":", o.col));
        }
        brackets_.pop_back();
      }
      Emit(TokenKind::kOp, loc, op);
      return true;
    }
    unsigned char c = static_cast<unsigned char>(s_[pos_]);
    if (c >= 0x80) return Fail(loc, "invalid non-ASCII character (only ASCII is accepted outside strings and comments)");
    if (c < 0x20 || c == 0x7f) return Fail(loc, absl::StrCat("invalid control character (byte ", static_cast<int>(c), ")"));
    return Fail(loc, absl::StrCat("invalid character '", std::string(1, static_cast<char>(c)), "'"));
  }

  const std::string& s_;
  LexResult* out_;
  Diagnostic* error_;
  size_t pos_ = 0;
  size_t line_start_ = 0;
  int line_ = 1;
  bool at_line_start_ = true;
  std::vector<int> indents_{0};
  char indent_char_ = 0;
  int indent_line_ = 0;
  std::vector<std::pair<char, SourceLoc>> brackets_;
};

}  // namespace

bool Lex(const std::string& text, LexResult* out, Diagnostic* error) {
  return Lexer(text, out, error).Run();
}

std::string DecodeEscapes(std::string_view raw) {
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '\\' || i + 1 >= raw.size()) {
      out += c;
      continue;
    }
    char n = raw[++i];
    switch (n) {
      case '\n': break;  // a backslash-newline continues the string
      case '\r':
        if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
        break;
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case '0': out += '\0'; break;
      case '\\': out += '\\'; break;
      case '\'': out += '\''; break;
      case '"': out += '"'; break;
      default:
        out += '\\';
        out += n;
    }
  }
  return out;
}

}  // namespace ttc::frontend
