// PASSES.md section 12 (verify_tt_ir): the lowered program against the target's real limits:
// cores, circular-buffer count and ids, CB bytes against the budget (error) and 80% of it
// (warning), dtypes, DST tiles, runtime arguments per kernel (341), tile alignment, required
// attributes. Writes tt_ir_validated, tt_validation_error_count, tt_validation_warning_count.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ir/stmt.h"
#include "passes/attrs.h"
#include "passes/circular_buffers.h"
#include "passes/verify_tt_ir.h"
#include "tests/passes/pass_test_util.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::CompileWith;
using testing::Errors;
using testing::FirstError;
using testing::LayoutOf;
using testing::LoadExample;
using testing::Through;

constexpr char kPass[] = "verify_tt_ir";

std::vector<std::string> Warnings(const CompileResult& r) {
  std::vector<std::string> out;
  for (const Diagnostic& d : r.diag.diagnostics()) {
    if (d.severity == Severity::kWarning) out.push_back(d.message);
  }
  return out;
}

// ---- Every example validates ----

std::vector<std::string> ExampleNames() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(std::string(TTC_SOURCE_DIR) + "/examples")) {
    if (e.path().extension() == ".textproto") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(VerifyTTIR, TheExamplesDirectoryIsNotEmpty) { EXPECT_GE(ExampleNames().size(), 8u); }

class VerifyExampleTest : public ::testing::TestWithParam<std::string> {};

TEST_P(VerifyExampleTest, ValidatesWithNoErrorsOrWarnings) {
  auto r = CompileWith(LoadExample(GetParam()), Through(kPass));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  const auto& a = r.unit.func.attrs;
  EXPECT_EQ(a.at(attr::kIrValidated), true);
  EXPECT_EQ(a.at(attr::kValidationErrorCount), 0);
  EXPECT_EQ(a.at(attr::kValidationWarningCount), 0);
  EXPECT_THAT(Warnings(r), ::testing::IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(Examples, VerifyExampleTest, ::testing::ValuesIn(ExampleNames()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

// ---- CB budget ----

TEST(VerifyTTIR, L1OverflowFromAHugeCbDepthIsAnError) {
  // A_shared holds 600 pages of 2048 bytes: 1,228,800 + B 4096 + C 2048 > 1 MiB.
  auto req = LoadExample("gemm_256_bf16");
  LayoutOf(req, "A").set_cb_depth(600);
  auto r = CompileWith(req, Through(kPass));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.pipeline.failed_pass, kPass);
  EXPECT_THAT(Errors(r), ElementsAre("L1 overflow: circular buffers need 1234944 bytes per core but the CB budget of "
                                     "wormhole_b0 is 1048576 bytes; use smaller blocks or lower cb_depth"));
  EXPECT_EQ(r.unit.func.attrs.at(attr::kIrValidated), false);
  EXPECT_EQ(r.unit.func.attrs.at(attr::kValidationErrorCount), 1);
}

TEST(VerifyTTIR, L1OverflowFromABigBlockIsAnError) {
  // A 1024^3 GEMM with 512x512 output blocks: the output CB alone is 256 pages, its partial
  // sums 256 fp32 pages (1 MiB).
  auto r = CompileWith(testing::ParseRequestText(R"pb(
                         func {
                           name: "gemm"
                           params { name: "A" shape: [1024, 1024] dtype: "bfloat16" }
                           params { name: "B" shape: [1024, 1024] dtype: "bfloat16" }
                           params { name: "C" shape: [1024, 1024] dtype: "bfloat16" }
                           grid { extents: [2, 2] }
                           body { alloc { buffer { name: "A_s" shape: [512, 32] dtype: "bfloat16" scope: "shared" } } }
                           body { alloc { buffer { name: "B_s" shape: [32, 512] dtype: "bfloat16" scope: "shared" } } }
                           body { alloc { buffer { name: "C_l" shape: [512, 512] dtype: "float32" scope: "fragment" } } }
                           body { fill { buffer: "C_l" value { int_imm: 0 } } }
                           body {
                             for_loop {
                               var: "k"
                               extent { int_imm: 32 }
                               kind: SERIAL
                               body {
                                 copy {
                                   src {
                                     buffer: "A"
                                     begin { binary { op: MUL a { var: "by" } b { int_imm: 512 } } }
                                     begin { binary { op: MUL a { var: "k" } b { int_imm: 32 } } }
                                   }
                                   dst { buffer: "A_s" }
                                 }
                               }
                               body {
                                 copy {
                                   src {
                                     buffer: "B"
                                     begin { binary { op: MUL a { var: "k" } b { int_imm: 32 } } }
                                     begin { binary { op: MUL a { var: "bx" } b { int_imm: 512 } } }
                                   }
                                   dst { buffer: "B_s" }
                                 }
                               }
                               body { gemm { a: "A_s" b: "B_s" c: "C_l" } }
                             }
                           }
                           body {
                             copy {
                               src { buffer: "C_l" }
                               dst {
                                 buffer: "C"
                                 begin { binary { op: MUL a { var: "by" } b { int_imm: 512 } } }
                                 begin { binary { op: MUL a { var: "bx" } b { int_imm: 512 } } }
                               }
                             }
                           }
                         })pb"),
                       Through(kPass));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.pipeline.failed_pass, kPass);
  // A 16 x 2 + B 16 x 2 pages of 2048, C 256 x 2048, partials 256 x 4096.
  const int64_t bytes = (32 + 32 + 256) * 2048 + 256 * 4096;
  EXPECT_THAT(Errors(r), ElementsAre(StartsWith(absl::StrCat("L1 overflow: circular buffers need ", bytes,
                                                             " bytes per core"))));
}

TEST(VerifyTTIR, TheBudgetOverrideIsTheLimit) {
  // gemm_256 needs 10240 bytes of CBs.
  auto req = LoadExample("gemm_256_bf16");
  req.mutable_target()->set_cb_budget_bytes(8192);
  auto r = CompileWith(req, Through(kPass));
  EXPECT_THAT(Errors(r), ElementsAre(StartsWith("L1 overflow: circular buffers need 10240 bytes per core but the CB "
                                                "budget of wormhole_b0 is 8192 bytes")));
}

TEST(VerifyTTIR, MoreThanEightyPercentOfTheBudgetIsAWarning) {
  // 10240 > 0.8 x 12000 = 9600.
  auto req = LoadExample("gemm_256_bf16");
  req.mutable_target()->set_cb_budget_bytes(12000);
  auto r = CompileWith(req, Through(kPass));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_THAT(Warnings(r), ElementsAre("circular buffers use 10240 of 12000 budget bytes (over 80%)"));
  EXPECT_EQ(r.unit.func.attrs.at(attr::kIrValidated), true);
  EXPECT_EQ(r.unit.func.attrs.at(attr::kValidationWarningCount), 1);
  EXPECT_EQ(r.unit.func.attrs.at(attr::kValidationErrorCount), 0);
}

TEST(VerifyTTIR, ExactlyEightyPercentIsNotAWarning) {
  // 10240 = 0.8 x 12800.
  auto req = LoadExample("gemm_256_bf16");
  req.mutable_target()->set_cb_budget_bytes(12800);
  auto r = CompileWith(req, Through(kPass));
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(Warnings(r), ::testing::IsEmpty());
  // And the whole budget exactly is not an error.
  req.mutable_target()->set_cb_budget_bytes(10240);
  auto full = CompileWith(req, Through(kPass));
  EXPECT_TRUE(full.ok()) << ::testing::PrintToString(Errors(full));
  EXPECT_EQ(Warnings(full).size(), 1u);
}

// ---- Limits that the lowering cannot exceed by itself, checked on a crafted function ----

// gemm_256 lowered through tensorize_tt, for VerifyTTIR to be run on after a modification.
struct Lowered {
  CompileResult r;
  DiagnosticEngine diag;
  std::vector<std::string> Run() {
    PassContext ctx{r.unit.target, diag, {}, {}};
    VerifyTTIR(ctx, r.unit.func);
    std::vector<std::string> out;
    for (const Diagnostic& d : diag.diagnostics()) {
      if (d.severity == Severity::kError) out.push_back(d.message);
    }
    return out;
  }
};

Lowered LowerGemm256(const std::string& target = "") {
  Lowered l{CompileWith(LoadExample("gemm_256_bf16"), Through("tensorize_tt"), target), {}};
  EXPECT_TRUE(l.r.ok());
  return l;
}

TEST(VerifyTTIR, UnmodifiedFunctionValidates) {
  Lowered l = LowerGemm256();
  EXPECT_THAT(l.Run(), ::testing::IsEmpty());
  EXPECT_EQ(l.r.unit.func.attrs.at(attr::kIrValidated), true);
}

TEST(VerifyTTIR, TooManyCircularBuffersForTheTarget) {
  for (const auto& [preset, max] : std::vector<std::pair<std::string, int>>{{"wormhole_b0", 32}, {"blackhole", 64}}) {
    Lowered l = LowerGemm256(preset);
    auto& cbs = l.r.unit.func.attrs[attr::kCircularBuffers];
    // Fill up to max + 1 circular buffers with small intermediates at ids below max.
    CircularBuffer extra;
    extra.role = "intermediate";
    extra.page_size = 32;
    extra.num_pages = 1;
    extra.data_format = "Float16_b";
    extra.block_tiles = 1;
    extra.tile_rows = extra.tile_cols = 1;
    while (static_cast<int>(cbs.size()) < max + 1) {
      extra.cb_id = 2 + static_cast<int64_t>(cbs.size()) % (max - 2);
      extra.buffer = absl::StrCat("x", cbs.size());
      cbs.push_back(ToAttr(extra));
    }
    const auto errors = l.Run();
    EXPECT_THAT(errors, ::testing::Contains(absl::StrCat("too many circular buffers: ", max + 1, " but ", preset,
                                                         " has ", max)))
        << preset;
    EXPECT_EQ(l.r.unit.func.attrs.at(attr::kIrValidated), false);
  }
}

TEST(VerifyTTIR, ACircularBufferIdBeyondTheTargetIsAnError) {
  Lowered l = LowerGemm256();
  CircularBuffer extra;
  extra.cb_id = 40;
  extra.buffer = "X_partials";
  extra.role = "intermediate";
  extra.page_size = 2048;
  extra.num_pages = 1;
  extra.data_format = "Float16_b";
  extra.block_tiles = 1;
  extra.tile_rows = extra.tile_cols = 1;
  l.r.unit.func.attrs[attr::kCircularBuffers].push_back(ToAttr(extra));
  EXPECT_THAT(l.Run(), ElementsAre("circular buffer c_40 for 'X_partials' is beyond the 32 CBs of wormhole_b0"));
  // 64 on blackhole: accepted.
  Lowered b = LowerGemm256("blackhole");
  b.r.unit.func.attrs[attr::kCircularBuffers].push_back(ToAttr(extra));
  EXPECT_THAT(b.Run(), ::testing::IsEmpty());
}

TEST(VerifyTTIR, MoreUsedCoresThanTheGridIsAnError) {
  Lowered l = LowerGemm256();
  auto& rows = l.r.unit.func.attrs[attr::kCoreRuntimeArgs];
  rows.push_back(rows.back());
  EXPECT_THAT(l.Run(), ElementsAre("the program uses 65 cores but wormhole_b0 has 64 (8x8)"));
}

TEST(VerifyTTIR, DstTilesBeyondCapacityIsAnError) {
  Lowered l = LowerGemm256();
  l.r.unit.func.attrs[attr::kDstTilesNeeded] = 5;  // fp32 accumulation: DST holds 4
  EXPECT_THAT(l.Run(), ElementsAre("DST overflow: the compute kernel holds 5 tiles in DST but it has 4"));
  Lowered m = LowerGemm256();
  m.r.unit.func.attrs[attr::kDstTilesNeeded] = 4;
  EXPECT_THAT(m.Run(), ::testing::IsEmpty());
}

TEST(VerifyTTIR, MoreThan341RuntimeArgumentsInAKernelIsAnError) {
  // The reader reads one runtime argument per entry of tt.runtime_args it uses: make it use
  // 342 of them and more.
  Lowered l = LowerGemm256();
  auto& names = l.r.unit.func.attrs[attr::kRuntimeArgs];
  std::vector<ir::Expr> uses;
  for (int i = 0; i < 342 - 2; ++i) {
    names.push_back(absl::StrCat("extra", i));
    uses.push_back(ir::MakeVar(absl::StrCat("extra", i)));
  }
  auto eval = std::make_shared<ir::Evaluate>();
  eval->value = ir::MakeCall("tt.noc_async_read_barrier", uses);
  ir::Stmt& reader = l.r.unit.func.kernels.at("reader");
  reader = ir::MakeSeq({reader, eval});
  // start_id, count + 340 extras + s_A, s_B addresses = 344.
  EXPECT_THAT(l.Run(), ElementsAre("the reader kernel needs 344 runtime arguments; TT-Metalium allows 341"));
}

TEST(VerifyTTIR, AMissingRequiredAttributeIsInternal) {
  Lowered l = LowerGemm256();
  l.r.unit.func.attrs.erase(attr::kCircularBuffers);
  EXPECT_THAT(l.Run(), ElementsAre("verify_tt_ir: required attribute 'tt_circular_buffers' is missing"));
  EXPECT_TRUE(l.diag.has_internal_errors());
}

}  // namespace
}  // namespace ttc
