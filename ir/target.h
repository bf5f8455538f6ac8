// The device a kernel is compiled for: compute grid, memory budgets and limits of the named
// presets in PASSES.md section 0 (and the DRAM of each preset's card), with the request's
// overrides applied. The fingerprint
// enters the cache key, so two targets that compile differently never share a result.
#ifndef TTC_IR_TARGET_H_
#define TTC_IR_TARGET_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/located_error.h"
#include "ir/stmt.h"
#include "ttc/v1/request.pb.h"

namespace ttc::ir {

// TT-Metalium API dialects of the generated program (PASSES.md section 13); both use
// TensorAccessor kernels. "metalium-classic": the host API of CreateDevice, CreateBuffer,
// EnqueueWriteBuffer / EnqueueProgram / EnqueueReadBuffer on the device's command queue (TT
// installs before the programming examples moved to the Mesh API, tt-metal #25123).
// "metalium-mesh": the MeshDevice API of tt-metalium/distributed.hpp on a unit mesh
// (MeshDevice::create_unit_mesh, MeshBuffer, MeshWorkload, EnqueueMeshWorkload), as TT's
// examples are written now, and the default. The dialect is part of the target fingerprint,
// hence of the key.
inline constexpr char kClassicApiDialect[] = "metalium-classic";
inline constexpr char kMeshApiDialect[] = "metalium-mesh";
inline constexpr char kDefaultApiDialect[] = "metalium-mesh";

struct Target {
  std::string preset;           // "wormhole_b0", "blackhole", "grayskull"
  int64_t rows = 0, cols = 0;   // compute grid (after override)
  int64_t l1_bytes = 0;         // L1 per core, bytes
  int64_t cb_budget_bytes = 0;  // circular-buffer budget per core, bytes (after override)
  int64_t dram_banks = 0;
  int64_t dram_bytes = 0;       // device DRAM, bytes: what all global buffers of a program share
  int64_t max_cbs = 0;
  int64_t dst_tiles_16 = 0;     // DST capacity in tiles for 16-bit formats
  int64_t dst_tiles_32 = 0;     // DST capacity in tiles for fp32 accumulation
  std::string api_dialect;

  int64_t num_cores() const { return rows * cols; }
  // Canonical one-line description of every value that influences compilation.
  std::string Fingerprint() const;
  // The same values as a JSON object (for --emit=attrs and plan.json).
  AttrValue ToAttr() const;
};

// Names of the presets, in table order.
std::vector<std::string> TargetPresetNames();

// Resolves a request's target. `preset_override` (the --target flag) replaces the preset
// name when non-empty; grid and budget overrides still apply. Errors (INVALID_ARGUMENT,
// message "target.<field>: ..."): unknown preset, malformed or oversized grid override,
// budget above L1, unknown API dialect. With `error` non-null, an error is also stored there
// structured (path "target.<field>", the message without it; no line:col).
absl::StatusOr<Target> ResolveTarget(const v1::Target& t, std::string_view preset_override = {},
                                     LocatedError* error = nullptr);

}  // namespace ttc::ir

#endif  // TTC_IR_TARGET_H_
