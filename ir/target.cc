#include "ir/target.h"

#include <array>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ttc::ir {
namespace {

struct Preset {
  const char* name;
  int64_t rows, cols, l1, cb_budget, banks, dram, max_cbs, dst16, dst32;
};

constexpr int64_t kGiB = int64_t{1} << 30;

// PASSES.md section 0. DRAM per card (TT_METALIUM_API.md "Grids and DRAM"): Wormhole n150,
// 12 banks of 1 GiB; Blackhole p150, 8 banks of 4 GiB; Grayskull e150, 8 GiB.
constexpr std::array<Preset, 3> kPresets = {{
    {"wormhole_b0", 8, 8, 1499136, 1 << 20, 12, 12 * kGiB, 32, 8, 4},
    {"blackhole", 10, 13, 1572864, 1 << 20, 8, 32 * kGiB, 64, 8, 4},
    {"grayskull", 9, 12, 1048576, 768 << 10, 8, 8 * kGiB, 32, 8, 4},
}};

}  // namespace

std::vector<std::string> TargetPresetNames() {
  std::vector<std::string> out;
  for (const Preset& p : kPresets) out.push_back(p.name);
  return out;
}

std::string Target::Fingerprint() const {
  return absl::StrCat(preset, ";grid=", rows, "x", cols, ";l1=", l1_bytes,
                      ";cb_budget=", cb_budget_bytes, ";dram_banks=", dram_banks,
                      ";dram=", dram_bytes, ";max_cbs=", max_cbs, ";dst=", dst_tiles_16, "/", dst_tiles_32,
                      ";dialect=", api_dialect);
}

AttrValue Target::ToAttr() const {
  return AttrValue{{"preset", preset},
                   {"grid", {rows, cols}},
                   {"num_cores", num_cores()},
                   {"l1_bytes", l1_bytes},
                   {"cb_budget_bytes", cb_budget_bytes},
                   {"dram_banks", dram_banks},
                   {"dram_bytes", dram_bytes},
                   {"max_cbs", max_cbs},
                   {"dst_tiles", {{"16bit", dst_tiles_16}, {"fp32", dst_tiles_32}}},
                   {"api_dialect", api_dialect}};
}

absl::StatusOr<Target> ResolveTarget(const v1::Target& t, std::string_view preset_override, LocatedError* error) {
  auto fail = [error](const char* field, std::string message) -> absl::Status {
    LocatedError e{Loc{0, 0, absl::StrCat("target.", field)}, std::move(message)};
    if (error) *error = e;
    return e.ToStatus();
  };
  std::string name(preset_override.empty() ? t.preset() : preset_override);
  if (name.empty()) name = kPresets[0].name;
  const Preset* p = nullptr;
  for (const Preset& q : kPresets) {
    if (name == q.name) p = &q;
  }
  if (!p) {
    return fail("preset", absl::StrCat("unknown target '", name, "'; known targets: ",
                                       absl::StrJoin(TargetPresetNames(), ", ")));
  }
  Target out{p->name, p->rows, p->cols, p->l1, p->cb_budget, p->banks, p->dram, p->max_cbs, p->dst16,
             p->dst32, kDefaultApiDialect};
  if (t.grid_size() != 0) {
    if (t.grid_size() != 2 || t.grid(0) <= 0 || t.grid(1) <= 0) {
      return fail("grid", "expected [rows, cols] with both positive");
    }
    if (t.grid(0) > p->rows || t.grid(1) > p->cols) {
      return fail("grid", absl::StrCat("[", t.grid(0), ", ", t.grid(1), "] exceeds the ", p->name,
                                       " compute grid [", p->rows, ", ", p->cols, "]"));
    }
    out.rows = t.grid(0);
    out.cols = t.grid(1);
  }
  if (t.cb_budget_bytes() != 0) {
    if (t.cb_budget_bytes() < 0 || t.cb_budget_bytes() > p->l1) {
      return fail("cb_budget_bytes", absl::StrCat(t.cb_budget_bytes(), " must be in (0, ", p->l1,
                                                  "] (the L1 size of ", p->name, ")"));
    }
    out.cb_budget_bytes = t.cb_budget_bytes();
  }
  if (!t.api_dialect().empty()) {
    if (t.api_dialect() != kClassicApiDialect && t.api_dialect() != kMeshApiDialect) {
      return fail("api_dialect", absl::StrCat("unknown dialect '", t.api_dialect(), "'; supported: ",
                                              kMeshApiDialect, ", ", kClassicApiDialect));
    }
    out.api_dialect = t.api_dialect();
  }
  return out;
}

}  // namespace ttc::ir
