// A TileLang script held in memory for diagnostics: its display name, its text and where each
// line starts, so an error at line:col can be shown the way compilers show them:
//
//   kernel.py:14:9: error: T.copy expects (src, dst), got 3 arguments
//           T.copy(A[by * 32, k * 32], A_shared, B_shared)
//           ^
//
// Lines and columns are 1-based; a column counts bytes (a tab is one column), which is also
// what the caret line reproduces (tabs in the prefix are copied, so the caret lines up).
// Thread-safety: immutable after construction; safe to share between threads.
#ifndef TTC_FRONTEND_SOURCE_H_
#define TTC_FRONTEND_SOURCE_H_

#include <string>
#include <string_view>
#include <vector>

namespace ttc::frontend {

struct SourceLoc {
  int line = 0;  // 1-based; 0 = unknown
  int col = 0;   // 1-based byte column
};

class SourceFile {
 public:
  SourceFile(std::string name, std::string text);

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }
  int num_lines() const { return static_cast<int>(line_starts_.size()); }
  // The text of `line` without its line terminator; empty outside the file.
  std::string_view Line(int line) const;

  // `name:line:col: error: message`, then the source line and a caret under `col`.
  // With an unknown location: `name: error: message`.
  std::string FormatError(SourceLoc loc, const std::string& message) const;
  // The same with `warning:` for `error:`.
  std::string FormatWarning(SourceLoc loc, const std::string& message) const;
  // What FormatError shows under the first line: "\n" + the source line + "\n" + the caret
  // line; empty for an unknown location or a line outside the file. For printing other
  // diagnostics located in the script (the passes') the same way.
  std::string Excerpt(SourceLoc loc) const;

 private:
  std::string name_;
  std::string text_;
  std::vector<size_t> line_starts_;
};

// A user error found in the script: where and what. The message says what to change.
struct Diagnostic {
  SourceLoc loc;
  std::string message;
};

}  // namespace ttc::frontend

#endif  // TTC_FRONTEND_SOURCE_H_
