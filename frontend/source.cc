#include "frontend/source.h"

#include "absl/strings/str_cat.h"

namespace ttc::frontend {

SourceFile::SourceFile(std::string name, std::string text) : name_(std::move(name)), text_(std::move(text)) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n' || (text_[i] == '\r' && (i + 1 >= text_.size() || text_[i + 1] != '\n'))) {
      line_starts_.push_back(i + 1);
    }
  }
}

std::string_view SourceFile::Line(int line) const {
  if (line < 1 || line > num_lines()) return {};
  size_t begin = line_starts_[line - 1];
  size_t end = line < num_lines() ? line_starts_[line] : text_.size();
  std::string_view s(text_.data() + begin, end - begin);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string SourceFile::FormatError(SourceLoc loc, const std::string& message) const {
  if (loc.line <= 0) return absl::StrCat(name_, ": error: ", message);
  return absl::StrCat(name_, ":", loc.line, ":", loc.col, ": error: ", message, Excerpt(loc));
}

std::string SourceFile::FormatWarning(SourceLoc loc, const std::string& message) const {
  if (loc.line <= 0) return absl::StrCat(name_, ": warning: ", message);
  return absl::StrCat(name_, ":", loc.line, ":", loc.col, ": warning: ", message, Excerpt(loc));
}

std::string SourceFile::Excerpt(SourceLoc loc) const {
  if (loc.line <= 0 || loc.line > num_lines()) return "";
  std::string_view line = Line(loc.line);
  // Control characters other than tabs would garble a terminal: show them as '?'.
  std::string shown;
  for (char c : line) shown += (static_cast<unsigned char>(c) < 0x20 && c != '\t') ? '?' : c;
  std::string caret;
  for (int i = 0; i + 1 < loc.col && i < static_cast<int>(line.size()); ++i) caret += line[i] == '\t' ? '\t' : ' ';
  if (loc.col - 1 > static_cast<int>(line.size())) caret.append(loc.col - 1 - line.size(), ' ');
  return "\n" + shown + "\n" + caret + "^";
}

}  // namespace ttc::frontend
