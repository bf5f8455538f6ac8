// The names of TileLang's API as the TT frontend classifies them (TileLang's
// tilelang/language/__init__.py and tilelang/__init__.py are the source of the names):
// - builtins evaluated at compile time (T.ceildiv, math, casts, dtypes, buffer types);
// - kernel statements lowered to the IR (T.copy, T.gemm, T.clear/T.fill, allocations, loops);
// - tile operations carried to the TT passes as they are (T.reduce_max, T.atomic_add, ...);
// - GPU-only hints with no TT meaning, accepted with a warning (T.use_swizzle, ...);
// - GPU-only mechanisms that change a kernel's meaning, refused with the reason;
// - TileLang's host helpers the evaluator answers (tilelang.cdiv, get_num_sms, ...).
// Thread-safety: pure functions over constant tables.
#ifndef TTC_FRONTEND_TILELANG_NAMES_H_
#define TTC_FRONTEND_TILELANG_NAMES_H_

#include <string>

namespace ttc::frontend {

// Whether T.<name> is a TileLang name ttc resolves (anything in the classes above).
bool IsTileLangBuiltin(const std::string& name);
// A one-line list of what the TT backend lowers, for messages.
const char* SupportedTileLangSummary();
// The IR call name of a TileLang math builtin (T.exp2 -> "exp2"), or null.
const std::string* TileLangMathCall(const std::string& name);
// Its number of arguments (1 or 2).
int TileLangMathArity(const std::string& name);
// T.serial, T.Pipelined, T.Parallel, T.grid, T.unroll, T.Persistent, T.vectorized.
bool IsTileLangLoop(const std::string& name);
// A tile operation the IR carries as a TileOp (T.reduce_max, T.atomic_add, T.cumsum, ...).
bool IsTileLangTileOp(const std::string& name);
// A GPU-only hint: the warning to print (why it has no TT meaning), or null.
const char* GpuHintWarning(const std::string& name);
// A GPU-only mechanism: why the TT backend cannot express it, or null.
const char* GpuMechanismError(const std::string& name);
// tilelang.cdiv, tilelang.next_power_of_2, tilelang.carver.arch.driver.get_num_sms, ...
// (`full` is the dotted name).
bool IsTileLangHostHelper(const std::string& full);

}  // namespace ttc::frontend

#endif  // TTC_FRONTEND_TILELANG_NAMES_H_
