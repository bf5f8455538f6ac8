// verify_tt_ir (PASSES.md section 12) against what the device can hold: a global buffer's
// bytes in DRAM (tiles x tile bytes, padding included) per buffer and for all of them
// together, on each preset's DRAM; tile counts and padded extents, per-core runtime values and
// kernel constants that do not fit uint32_t. Programs past these compiled before; each is now
// an error at the buffer (or the kernel) that says which limit and by how much.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "passes/attrs.h"
#include "tests/passes/pass_test_util.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::CompileWith;
using testing::Errors;
using testing::LoadExample;
using testing::SimpleRequest;
using testing::Through;

constexpr char kPass[] = "verify_tt_ir";

// The location and message of every error, "path: message".
std::vector<std::string> LocatedErrors(const CompileResult& r) {
  std::vector<std::string> out;
  for (const Diagnostic& d : r.diag.diagnostics()) {
    if (d.severity == Severity::kError) out.push_back(absl::StrCat(d.loc.ToString(), ": ", d.message));
  }
  return out;
}

std::string BufferTooBig(const std::string& buffer, int i, int64_t bytes, int64_t tiles, const std::string& target) {
  return absl::StrCat("func.params[", i, "]: buffer '", buffer, "' needs ", bytes, " bytes of DRAM (", tiles,
                      " tiles of 2048 bytes) but ", target, "; use a smaller shape or a target with more DRAM");
}

TEST(VerifyDeviceLimits, ABufferLargerThanThePresetsDramIsAnErrorAtTheBuffer) {
  // A, B, C of 65536 x 131072 bfloat16: 16 GiB each, 48 GiB together.
  const auto req = SimpleRequest({8, 8}, {65536, 131072});
  const int64_t bytes = int64_t{16} << 30, tiles = bytes / 2048;
  for (const auto& [preset, capacity] : std::vector<std::pair<std::string, std::string>>{
           {"wormhole_b0", "wormhole_b0 has 12884901888 (12 GiB, the target's dram_bytes)"},
           {"grayskull", "grayskull has 8589934592 (8 GiB, the target's dram_bytes)"}}) {
    auto r = CompileWith(req, Through(kPass), preset);
    EXPECT_EQ(r.pipeline.failed_pass, kPass) << preset;
    EXPECT_THAT(LocatedErrors(r), ElementsAre(BufferTooBig("A", 0, bytes, tiles, capacity),
                                              BufferTooBig("B", 1, bytes, tiles, capacity),
                                              BufferTooBig("C", 2, bytes, tiles, capacity)))
        << preset;
  }
  // Each fits Blackhole's 32 GiB, the three together do not.
  auto bh = CompileWith(req, Through(kPass), "blackhole");
  EXPECT_THAT(LocatedErrors(bh), ElementsAre("func: the global buffers need 51539607552 bytes of DRAM together but "
                                             "blackhole has 34359738368 (32 GiB, the target's dram_bytes)"));
}

TEST(VerifyDeviceLimits, BuffersThatFitTheDramTogetherValidate) {
  // 8 GiB each: 24 GiB fit Blackhole's 32 GiB, not Wormhole's 12.
  const auto req = SimpleRequest({8, 8}, {65536, 65536});
  auto bh = CompileWith(req, Through(kPass), "blackhole");
  EXPECT_TRUE(bh.ok()) << ::testing::PrintToString(Errors(bh));
  auto wh = CompileWith(req, Through(kPass));
  EXPECT_THAT(Errors(wh), ElementsAre("the global buffers need 25769803776 bytes of DRAM together but wormhole_b0 has "
                                      "12884901888 (12 GiB, the target's dram_bytes)"));
}

TEST(VerifyDeviceLimits, PaddingCountsInTheDramSize) {
  // 2^30 bfloat16 elements in one row are 2 GiB, but the row is padded to a 32-row tile: 64 GiB.
  auto r = CompileWith(testing::ParseRequestText(R"pb(
                         func {
                           name: "main"
                           params { name: "A" shape: [1073741824] dtype: "bfloat16" }
                           params { name: "B" shape: [1073741824] dtype: "bfloat16" }
                           grid { extents: [33554432] }
                           body { alloc { buffer { name: "T" shape: [32] dtype: "bfloat16" scope: "fragment" } } }
                           body {
                             copy {
                               src { buffer: "A" begin { binary { op: MUL a { var: "bx" } b { int_imm: 32 } } } }
                               dst { buffer: "T" }
                             }
                           }
                           body {
                             copy {
                               src { buffer: "T" }
                               dst { buffer: "B" begin { binary { op: MUL a { var: "bx" } b { int_imm: 32 } } } }
                             }
                           }
                         })pb"),
                       Through(kPass), "blackhole");
  auto padded = [](const std::string& buffer, int i) {
    return absl::StrCat("func.params[", i, "]: buffer '", buffer, "' needs 68719476736 bytes of DRAM (33554432 ",
                        "tiles of 2048 bytes, padded to 32x1073741824) but blackhole has 34359738368 (32 GiB, the ",
                        "target's dram_bytes); use a smaller shape or a target with more DRAM");
  };
  EXPECT_THAT(LocatedErrors(r), ElementsAre(padded("A", 0), padded("B", 1)));
}

TEST(VerifyDeviceLimits, ColumnsPastThirtyTwoBitsAreAnError) {
  // 2^32 uint8 columns in [1, 16] tiles: 4 GiB fit the DRAM, but the kernels and the host
  // program index columns with uint32_t.
  auto r = CompileWith(testing::ParseRequestText(R"pb(
                         func {
                           name: "main"
                           params { name: "A" shape: [1, 4294967296] dtype: "uint8" }
                           params { name: "B" shape: [1, 4294967296] dtype: "uint8" }
                           grid { extents: [268435456] }
                           body { alloc { buffer { name: "T" shape: [1, 16] dtype: "uint8" scope: "fragment" } } }
                           body {
                             copy {
                               src {
                                 buffer: "A"
                                 begin { int_imm: 0 }
                                 begin { binary { op: MUL a { var: "bx" } b { int_imm: 16 } } }
                               }
                               dst { buffer: "T" }
                             }
                           }
                           body {
                             copy {
                               src { buffer: "T" }
                               dst {
                                 buffer: "B"
                                 begin { int_imm: 0 }
                                 begin { binary { op: MUL a { var: "bx" } b { int_imm: 16 } } }
                               }
                             }
                           }
                         }
                         layouts { key: "A" value { tile_shape: [1, 16] } }
                         layouts { key: "B" value { tile_shape: [1, 16] } }
                         target { preset: "blackhole" })pb"),
                       Through(kPass));
  const std::string limit = "; TT-Metalium kernels and the host program count them in uint32_t (at most 4294967295)";
  EXPECT_THAT(LocatedErrors(r),
              ElementsAre(absl::StrCat("func.params[0]: buffer 'A' has 4294967296 columns after padding", limit),
                          absl::StrCat("func.params[1]: buffer 'B' has 4294967296 columns after padding", limit)));
}

TEST(VerifyDeviceLimits, ARuntimeArgumentPastThirtyTwoBitsIsAnError) {
  // 2^32 work units: on 64 cores 2^26 each; on one core, a count of 2^32.
  const auto req = SimpleRequest({65536, 65536}, {256, 256});
  auto wh = CompileWith(req, Through(kPass));
  EXPECT_TRUE(wh.ok()) << ::testing::PrintToString(Errors(wh));
  auto one = req;
  one.mutable_target()->add_grid(1);
  one.mutable_target()->add_grid(1);
  auto r = CompileWith(one, Through(kPass));
  EXPECT_THAT(LocatedErrors(r), ElementsAre("func: runtime argument 'count' of core (0, 0) is 4294967296; "
                                            "TT-Metalium runtime arguments are uint32_t (at most 4294967295); give "
                                            "the program more cores or fewer work units"));
}

TEST(VerifyDeviceLimits, AKernelConstantPastThirtyTwoBitsIsAnErrorAtItsSource) {
  // gemm_256's K loop made 2^33 iterations long: the kernels count it in uint32_t.
  auto req = LoadExample("gemm_256_bf16");
  req.mutable_func()->mutable_body(4)->mutable_for_loop()->mutable_extent()->set_int_imm(int64_t{1} << 33);
  auto r = CompileWith(req, Through(kPass));
  EXPECT_THAT(LocatedErrors(r), ElementsAre("func.body[4].for_loop.extent: the integer 8589934592 in the compute "
                                            "kernel does not fit its 32-bit arithmetic (TT-Metalium kernels compute "
                                            "indices and loop counters in uint32_t)"));
  req.mutable_func()->mutable_body(4)->mutable_for_loop()->mutable_extent()->set_int_imm(8);
  EXPECT_THAT(Errors(CompileWith(req, Through(kPass))), IsEmpty());
}

TEST(VerifyDeviceLimits, EveryPresetHasItsCardsDram) {
  for (const auto& [preset, gib] : std::vector<std::pair<std::string, int64_t>>{
           {"wormhole_b0", 12}, {"blackhole", 32}, {"grayskull", 8}}) {
    auto r = CompileWith(LoadExample("kernel_1d"), "apply_tt_defaults", preset);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.unit.target.dram_bytes, gib << 30) << preset;
    EXPECT_EQ(r.unit.target.ToAttr().at("dram_bytes"), gib << 30) << preset;
  }
}

}  // namespace
}  // namespace ttc
