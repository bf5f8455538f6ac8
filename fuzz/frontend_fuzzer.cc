// libFuzzer target over the TileLang-script frontend: arbitrary bytes through the lexer, the
// parser, the lowering and the IR converter (ParseTileLangScript), then the printer on
// success. The property: no crash, no sanitizer report, no hang (libFuzzer's -timeout), and
// a successful parse yields a request the IR converter accepts.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "frontend/load.h"
#include "ir/printer.h"
#include "ir/proto_convert.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto req = ttc::frontend::ParseTileLangScript(text, "fuzz.py", {});
  if (!req.ok()) return 0;
  auto unit = ttc::ir::FromProto(*req);
  if (!unit.ok()) std::abort();  // the frontend validated the request: this is a bug
  (void)ttc::ir::PrintScript(unit->func);
  return 0;
}
