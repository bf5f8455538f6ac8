// The action key of a compile: SHA-256 over the canonical serialization of the normalized
// request, the compiler build id, the pipeline string (with options) and the target
// fingerprint (docs/ARCHITECTURE.md "Data flow"). Identical keys compile to identical bytes,
// so the whole fleet shares one result per key. `ttc compile --explain-key` prints the parts.
// Pure functions; thread-safe.
#ifndef TTC_CACHE_ACTION_KEY_H_
#define TTC_CACHE_ACTION_KEY_H_

#include <string>
#include <string_view>

#include "ir/target.h"
#include "ttc/v1/request.pb.h"

namespace ttc::cache {

struct ActionKey {
  std::string request_digest;      // SHA-256 of the normalized request's canonical bytes
  std::string compiler_build_id;   // ttc --version
  std::string pipeline;            // "pass,pass,..." plus options
  std::string target_fingerprint;  // ir::Target::Fingerprint()
  std::string key;                 // SHA-256 over the four parts above
};

// The request as keyed: source locations (line:col of script text) removed, since they do
// not change the program, and the target removed, since the resolved target's fingerprint is
// a part of its own. Serialized deterministically (map entries sorted).
std::string CanonicalRequestBytes(const v1::KernelRequest& request);

ActionKey ComputeActionKey(const v1::KernelRequest& request, const ir::Target& target, std::string_view build_id,
                           std::string_view pipeline);

// One line per part, then the key.
std::string ExplainActionKey(const ActionKey& key);

}  // namespace ttc::cache

#endif  // TTC_CACHE_ACTION_KEY_H_
