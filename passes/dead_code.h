// Removal of let-bound variables that nothing uses, so that generated kernels declare only
// what they read (a projection of the persistent body keeps every block index, but a writer
// may need none of them). Pure function; thread-safe.
#ifndef TTC_PASSES_DEAD_CODE_H_
#define TTC_PASSES_DEAD_CODE_H_

#include <set>
#include <string>

#include "ir/stmt.h"

namespace ttc {

// `s` with every Let whose variable its body never reads replaced by that body.
ir::Stmt RemoveUnusedLets(const ir::Stmt& s);

// Names of the variables `s` reads (loop and let variables it binds itself excluded).
std::set<std::string> FreeVars(const ir::Stmt& s);

}  // namespace ttc

#endif  // TTC_PASSES_DEAD_CODE_H_
