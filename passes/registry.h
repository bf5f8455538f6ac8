// The TT pass registry: every pass declared once, in pipeline order (PASSES.md). The
// command line's --passes/--stop-after names, `ttc passes` and docs/passes.md all come from
// this one table.
#ifndef TTC_PASSES_REGISTRY_H_
#define TTC_PASSES_REGISTRY_H_

#include <string>
#include <vector>

#include "passes/pass.h"

namespace ttc {

// All passes in the order of the default pipeline.
const std::vector<PassInfo>& PassRegistry();

// The pass named `name`, or nullptr.
const PassInfo* FindPass(const std::string& name);

// The pass that produces function attribute `key` (first in pipeline order), or nullptr.
const PassInfo* ProducerOf(const std::string& key);

// docs/passes.md, generated from the registry.
std::string PassesMarkdown();

}  // namespace ttc

#endif  // TTC_PASSES_REGISTRY_H_
