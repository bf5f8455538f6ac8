// Source locations carried by every IR node, so that diagnostics point at the user's text:
// line:col for TileLang scripts, or a field path such as `func.body[2].copy.src` for
// requests written as JSON/textproto/binary protobuf.
#ifndef TTC_IR_LOC_H_
#define TTC_IR_LOC_H_

#include <string>

namespace ttc::ir {

struct Loc {
  int line = 0;       // 1-based; 0 = no line information
  int col = 0;        // 1-based
  std::string path;   // proto field path; used when line == 0

  bool empty() const { return line == 0 && path.empty(); }
  // "14:9" or "func.body[2].copy.src" (or "" when empty).
  std::string ToString() const {
    if (line > 0) return std::to_string(line) + ":" + std::to_string(col);
    return path;
  }
};

}  // namespace ttc::ir

#endif  // TTC_IR_LOC_H_
