// PASSES.md section 9 (memory_space_lower_tt): circular buffers numbered by data-flow role
// (inputs c_0.. in order of first use, outputs c_16..), never by buffer names; capacity =
// block tiles x depth; tt_num_cbs, tt_l1_bytes; the reader / writer / compute projections with
// the CB protocol in order; tile ids from the copy offsets over the (padded) tile grid; and
// the user errors of the lowering.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "ir/printer.h"
#include "passes/attrs.h"
#include "passes/circular_buffers.h"
#include "tests/passes/lowered_ir_util.h"
#include "tests/passes/pass_test_util.h"
#include "tests/passes/request_builder.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::CallArgs;
using testing::CompileWith;
using testing::Errors;
using testing::Eval;
using testing::FirstError;
using testing::IntrinsicSequence;
using testing::LayoutOf;
using testing::LoadExample;
using testing::Outline;
using testing::Through;
using namespace testing::rb;

constexpr char kPass[] = "memory_space_lower_tt";

CompileResult Lower(const v1::KernelRequest& req) {
  auto r = CompileWith(req, Through(kPass));
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  return r;
}

const ir::Stmt& Kernel(const CompileResult& r, const std::string& role) {
  static const ir::Stmt kEmpty = ir::MakeSeq({});
  auto it = r.unit.func.kernels.find(role);
  EXPECT_NE(it, r.unit.func.kernels.end()) << "no " << role << " kernel";
  return it == r.unit.func.kernels.end() ? kEmpty : it->second;
}

// (cb_id, buffer, role) of every circular buffer, in cb_id order.
struct CbRow {
  int64_t id;
  std::string buffer, role;
  bool operator==(const CbRow& o) const { return id == o.id && buffer == o.buffer && role == o.role; }
  friend std::ostream& operator<<(std::ostream& os, const CbRow& c) {
    return os << "{c_" << c.id << ", " << c.buffer << ", " << c.role << "}";
  }
};
std::vector<CbRow> Cbs(const CompileResult& r) {
  std::vector<CbRow> out;
  for (const CircularBuffer& cb : CircularBuffersOf(r.unit.func)) out.push_back({cb.cb_id, cb.buffer, cb.role});
  return out;
}

// ---- Circular buffers by role ----

TEST(MemorySpaceLowerTT, GemmCircularBuffersAreInputsThenOutput) {
  auto r = Lower(LoadExample("gemm_256_bf16"));
  EXPECT_THAT(Cbs(r), ElementsAre(CbRow{0, "A_shared", "input"}, CbRow{1, "B_shared", "input"},
                                  CbRow{16, "C_local", "output"}));
  EXPECT_EQ(r.unit.func.attrs.at(attr::kNumCbs), 3);
}

TEST(MemorySpaceLowerTT, CbIdsFollowTheRoleNotTheBufferNames) {
  // The output accumulator is called "A_in" and the inputs "C_x" / "C_w": names that a
  // name-based heuristic would get backwards.
  GemmNames nm;
  nm.a = "X";
  nm.b = "W";
  nm.c = "Y";
  nm.as = "C_x";
  nm.bs = "C_w";
  nm.acc = "A_in";
  auto r = Lower(GemmRequest(256, 256, 256, 32, 32, 32, nm));
  EXPECT_THAT(Cbs(r), ElementsAre(CbRow{0, "C_x", "input"}, CbRow{1, "C_w", "input"}, CbRow{16, "A_in", "output"}));
  const auto cb = FindCircularBuffer(r.unit.func, "A_in");
  ASSERT_TRUE(cb.has_value());
  EXPECT_EQ(cb->num_pages, 1);  // an output: depth 1
  EXPECT_EQ(FindCircularBuffer(r.unit.func, "C_x")->num_pages, 2);  // an input: double-buffered
}

TEST(MemorySpaceLowerTT, InputsAreNumberedInOrderOfFirstUse) {
  // Z is copied before A: Z_t is c_0 although "A_t" sorts first.
  auto r = Lower(EltwiseRequest({"Z", "A"}, 256, 256, 32, 32, Bin("ADD", At("Z_t"), At("A_t"))));
  EXPECT_THAT(Cbs(r), ElementsAre(CbRow{0, "Z_t", "input"}, CbRow{1, "A_t", "input"}, CbRow{16, "Out_t", "output"}));
}

TEST(MemorySpaceLowerTT, OutputsAreNumberedInOrderOfFirstUse) {
  auto req = Request({{"A", {256, 256}}, {"B", {256, 256}}, {"Zo", {256, 256}}, {"Ao", {256, 256}}}, {8, 8},
                     {Alloc("A_t", {32, 32}), Alloc("B_t", {32, 32}), Alloc("Z_o", {32, 32}, "bfloat16", "fragment"),
                      Alloc("A_o", {32, 32}, "bfloat16", "fragment"),
                      CopyIn("A", {Mul(V("by"), 32), Mul(V("bx"), 32)}, "A_t"),
                      CopyIn("B", {Mul(V("by"), 32), Mul(V("bx"), 32)}, "B_t"),
                      TileNest("Z_o", 32, 32, Bin("MUL", At("A_t"), At("B_t"))),
                      CopyOut("Z_o", "Zo", {Mul(V("by"), 32), Mul(V("bx"), 32)}),
                      TileNest("A_o", 32, 32, Bin("ADD", At("A_t"), At("B_t"))),
                      CopyOut("A_o", "Ao", {Mul(V("by"), 32), Mul(V("bx"), 32)})});
  auto r = Lower(req);
  EXPECT_THAT(Cbs(r), ElementsAre(CbRow{0, "A_t", "input"}, CbRow{1, "B_t", "input"}, CbRow{16, "Z_o", "output"},
                                  CbRow{17, "A_o", "output"}));
}

TEST(MemorySpaceLowerTT, EightInputsUseC0ToC7) {
  std::vector<std::string> ins;
  for (int i = 0; i < 8; ++i) ins.push_back(absl::StrCat("I", i));
  auto r = Lower(EltwiseRequest(ins, 64, 64, 32, 32, Bin("ADD", At("I0_t"), At("I7_t"))));
  const auto cbs = Cbs(r);
  ASSERT_EQ(cbs.size(), 9u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(cbs[i], (CbRow{i, absl::StrCat("I", i, "_t"), "input"}));
  EXPECT_EQ(cbs[8], (CbRow{16, "Out_t", "output"}));
}

TEST(MemorySpaceLowerTT, NumPagesIsBlockTilesTimesDepth) {
  // gemm_1024_bf16_block128: A_shared 128x32 = 4 tiles, B_shared 32x128 = 4 tiles (inputs,
  // depth 2), C_local 128x128 = 16 tiles (output, depth 1).
  auto r = Lower(LoadExample("gemm_1024_bf16_block128"));
  const auto a = FindCircularBuffer(r.unit.func, "A_shared");
  const auto b = FindCircularBuffer(r.unit.func, "B_shared");
  const auto c = FindCircularBuffer(r.unit.func, "C_local");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->block_tiles, 4);
  EXPECT_EQ(a->tile_rows, 4);
  EXPECT_EQ(a->tile_cols, 1);
  EXPECT_EQ(a->num_pages, 8);
  EXPECT_EQ(b->tile_rows, 1);
  EXPECT_EQ(b->tile_cols, 4);
  EXPECT_EQ(b->num_pages, 8);
  EXPECT_EQ(c->block_tiles, 16);
  EXPECT_EQ(c->num_pages, 16);
  // Pages are tiles in the format of the DRAM tensor: the float32 accumulator drains into a
  // bfloat16 output.
  EXPECT_EQ(c->page_size, 2048);
  EXPECT_EQ(c->data_format, "Float16_b");
  EXPECT_EQ(r.unit.func.attrs.at(attr::kL1Bytes), (8 + 8 + 16) * 2048);
}

TEST(MemorySpaceLowerTT, UserCbDepthScalesThePages) {
  auto req = LoadExample("gemm_1024_bf16_block128");
  LayoutOf(req, "A").set_cb_depth(3);
  auto r = Lower(req);
  EXPECT_EQ(FindCircularBuffer(r.unit.func, "A_shared")->num_pages, 12);
  EXPECT_EQ(FindCircularBuffer(r.unit.func, "B_shared")->num_pages, 8);
  EXPECT_EQ(r.unit.func.attrs.at(attr::kL1Bytes), (12 + 8 + 16) * 2048);
}

TEST(MemorySpaceLowerTT, NumCbsAndL1BytesForGemm256) {
  auto r = Lower(LoadExample("gemm_256_bf16"));
  EXPECT_EQ(r.unit.func.attrs.at(attr::kNumCbs), 3);
  EXPECT_EQ(r.unit.func.attrs.at(attr::kL1Bytes), 2 * 2048 + 2 * 2048 + 1 * 2048);
  auto f = Lower(LoadExample("matmul_100x100_fp32"));
  EXPECT_EQ(f.unit.func.attrs.at(attr::kL1Bytes), 2 * 4096 + 2 * 4096 + 1 * 4096);
}

// ---- The three kernels and the CB protocol ----

TEST(MemorySpaceLowerTT, ReaderFollowsTheReadProtocolPerInput) {
  auto r = Lower(LoadExample("gemm_256_bf16"));
  const ir::Stmt& reader = Kernel(r, "reader");
  EXPECT_THAT(IntrinsicSequence(reader),
              ElementsAre("cb_reserve_back", "get_write_ptr", "noc_async_read_tile", "noc_async_read_barrier",
                          "cb_push_back", "cb_reserve_back", "get_write_ptr", "noc_async_read_tile",
                          "noc_async_read_barrier", "cb_push_back"));
  EXPECT_THAT(CallArgs(reader, "cb_reserve_back"), ElementsAre("cb_A_shared, 1", "cb_B_shared, 1"));
  EXPECT_THAT(CallArgs(reader, "get_write_ptr"), ElementsAre("cb_A_shared", "cb_B_shared"));
  EXPECT_THAT(CallArgs(reader, "cb_push_back"), ElementsAre("cb_A_shared, 1", "cb_B_shared, 1"));
  // Tile ids: A's page (by, k) and B's page (k, bx) over the 8-tile-wide grids.
  EXPECT_THAT(CallArgs(reader, "noc_async_read_tile"),
              ElementsAre("by * 8 + k, s_A, l1_write_addr_A_shared", "k * 8 + bx, s_B, l1_write_addr_B_shared"));
  // Inside the persistent loop and the K loop.
  EXPECT_THAT(Outline(reader), ElementsAre("for tt_iter", "for k", "cb_reserve_back", "noc_async_read_tile",
                                           "noc_async_read_barrier", "cb_push_back", "cb_reserve_back",
                                           "noc_async_read_tile", "noc_async_read_barrier", "cb_push_back", "end k",
                                           "end tt_iter"));
}

TEST(MemorySpaceLowerTT, WriterFollowsTheWriteProtocol) {
  auto r = Lower(LoadExample("gemm_256_bf16"));
  const ir::Stmt& writer = Kernel(r, "writer");
  EXPECT_THAT(IntrinsicSequence(writer), ElementsAre("cb_wait_front", "get_read_ptr", "noc_async_write_tile",
                                                     "noc_async_write_barrier", "cb_pop_front"));
  EXPECT_THAT(CallArgs(writer, "cb_wait_front"), ElementsAre("cb_C_local, 1"));
  EXPECT_THAT(CallArgs(writer, "noc_async_write_tile"), ElementsAre("by * 8 + bx, s_C, l1_read_addr_C_local"));
  EXPECT_THAT(CallArgs(writer, "cb_pop_front"), ElementsAre("cb_C_local, 1"));
  EXPECT_THAT(Outline(writer), ElementsAre("for tt_iter", "cb_wait_front", "noc_async_write_tile",
                                           "noc_async_write_barrier", "cb_pop_front", "end tt_iter"));
}

TEST(MemorySpaceLowerTT, ComputeWaitsAtTheCopyAndPopsAtTheEndOfTheBlock) {
  auto r = Lower(LoadExample("gemm_256_bf16"));
  const ir::Stmt& compute = Kernel(r, "compute");
  // The compute statements and the copy-out stay for tensorize_tt.
  EXPECT_THAT(Outline(compute), ElementsAre("for tt_iter", "fill", "for k", "cb_wait_front", "cb_wait_front", "gemm",
                                            "cb_pop_front", "cb_pop_front", "end k", "copy", "end tt_iter"));
  EXPECT_THAT(CallArgs(compute, "cb_wait_front"), ElementsAre("cb_A_shared, 1", "cb_B_shared, 1"));
  EXPECT_THAT(CallArgs(compute, "cb_pop_front"), ElementsAre("cb_A_shared, 1", "cb_B_shared, 1"));
  // The eltwise kernel consumes its inputs in the loop body: popped after the copy-out.
  auto e = Lower(LoadExample("eltwise_add_256_bf16"));
  EXPECT_THAT(Outline(Kernel(e, "compute")),
              ElementsAre("for tt_iter", "cb_wait_front", "cb_wait_front", "for i", "for j", "store", "end j", "end i",
                          "copy", "cb_pop_front", "cb_pop_front", "end tt_iter"));
}

TEST(MemorySpaceLowerTT, KernelsKeepOnlyTheLetsTheyUse) {
  // The reader of kernel_1d reads A at tile (0, bx): it needs bx, not the work unit lets of
  // another kernel; the writer the same.
  auto r = Lower(LoadExample("kernel_1d"));
  EXPECT_THAT(CallArgs(Kernel(r, "reader"), "noc_async_read_tile"), ElementsAre("bx, s_A, l1_write_addr_A_frag"));
  EXPECT_THAT(CallArgs(Kernel(r, "writer"), "noc_async_write_tile"), ElementsAre("bx, s_B, l1_read_addr_B_frag"));
  EXPECT_NE(testing::FindLet(Kernel(r, "reader"), "bx"), nullptr);
}

TEST(MemorySpaceLowerTT, MultiTileBlocksReadAndWriteEveryTileRowMajor) {
  auto r = Lower(LoadExample("gemm_1024_bf16_block128"));
  const ir::Stmt& reader = Kernel(r, "reader");
  EXPECT_THAT(CallArgs(reader, "cb_reserve_back"), ElementsAre("cb_A_shared, 4", "cb_B_shared, 4"));
  EXPECT_THAT(CallArgs(reader, "noc_async_read_tile"),
              ElementsAre("(by * 4 + tt_r) * 32 + k, s_A, l1_write_addr_A_shared + tt_r * 2048",
                          "k * 32 + (bx * 4 + tt_c), s_B, l1_write_addr_B_shared + tt_c * 2048"));
  const ir::Stmt& writer = Kernel(r, "writer");
  EXPECT_THAT(CallArgs(writer, "cb_wait_front"), ElementsAre("cb_C_local, 16"));
  ASSERT_EQ(testing::CallsNamed(writer, "noc_async_write_tile").size(), 1u);
  const ir::Call* w = testing::CallsNamed(writer, "noc_async_write_tile")[0];
  // Every (tt_r, tt_c) of block (by, bx) = (1, 2) writes its own tile of the 32x32-tile grid
  // to its own page of the CB.
  std::set<int64_t> pages, offsets;
  for (int64_t tr = 0; tr < 4; ++tr) {
    for (int64_t tc = 0; tc < 4; ++tc) {
      const std::map<std::string, int64_t> env = {{"by", 1}, {"bx", 2}, {"tt_r", tr}, {"tt_c", tc},
                                                  {"l1_read_addr_C_local", 0}};
      EXPECT_EQ(Eval(w->args[0], env), (4 + tr) * 32 + (8 + tc));
      pages.insert(Eval(w->args[0], env));
      offsets.insert(Eval(w->args[2], env));
      EXPECT_EQ(Eval(w->args[2], env), (tr * 4 + tc) * 2048);
    }
  }
  EXPECT_EQ(pages.size(), 16u);
  EXPECT_EQ(offsets.size(), 16u);
  EXPECT_THAT(Outline(writer), ElementsAre("for tt_iter", "cb_wait_front", "for tt_r", "for tt_c",
                                           "noc_async_write_tile", "end tt_c", "end tt_r", "noc_async_write_barrier",
                                           "cb_pop_front", "end tt_iter"));
}

TEST(MemorySpaceLowerTT, TileIdsUseThePaddedTileGrid) {
  // 100x100 float32 is 4x4 tiles once padded to 128x128.
  auto r = Lower(LoadExample("matmul_100x100_fp32"));
  EXPECT_THAT(CallArgs(Kernel(r, "reader"), "noc_async_read_tile"),
              ElementsAre("by * 4 + k, s_A, l1_write_addr_A_shared", "k * 4 + bx, s_B, l1_write_addr_B_shared"));
  EXPECT_THAT(CallArgs(Kernel(r, "writer"), "noc_async_write_tile"), ElementsAre("by * 4 + bx, s_C, l1_read_addr_C_local"));
}

TEST(MemorySpaceLowerTT, BatchedBuffersAddTheBatchOffset) {
  // kernel_3d: A[bz, by*32, bx*32] of a 2x64x64 tensor = 2x2 tiles per batch entry.
  auto r = Lower(LoadExample("kernel_3d"));
  EXPECT_THAT(CallArgs(Kernel(r, "reader"), "noc_async_read_tile"),
              ElementsAre("bz * 4 + by * 2 + bx, s_A, l1_write_addr_A_tile", "bz * 4 + by * 2 + bx, s_B, l1_write_addr_B_tile"));
}

// ---- Errors ----

struct LowerError {
  std::string name;
  std::function<v1::KernelRequest()> make;
  std::string message;  // the whole message, or its start when `prefix` is set
  bool prefix = false;
};

class MemorySpaceLowerErrorTest : public ::testing::TestWithParam<LowerError> {};

TEST_P(MemorySpaceLowerErrorTest, IsAUserErrorOfThisPass) {
  const LowerError& c = GetParam();
  auto r = CompileWith(c.make(), Through(kPass));
  ASSERT_FALSE(r.ok());
  const Diagnostic* d = FirstError(r);
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE(d->internal);
  EXPECT_EQ(r.pipeline.failed_pass, kPass);
  if (c.prefix) {
    EXPECT_THAT(d->message, StartsWith(c.message));
  } else {
    EXPECT_EQ(d->message, c.message);
  }
  EXPECT_TRUE(r.unit.func.kernels.empty());
}

// exp of A's block into B, with A read at `a_begin` into an on-chip `a_shape` buffer.
v1::KernelRequest ExpRequest(const std::vector<std::string>& a_begin, const std::vector<int64_t>& a_shape,
                             const std::vector<int64_t>& a_extent = {}, const std::string& a_scope = "shared",
                             const std::vector<int64_t>& a_global = {256, 256}, const std::vector<int64_t>& grid = {8, 8}) {
  const int64_t rows = a_shape[0], cols = a_shape[1];
  return Request({{"A", a_global}, {"B", {256, 256}}}, grid,
                 {Alloc("A_t", a_shape, "bfloat16", a_scope), Alloc("B_t", a_shape, "bfloat16", "fragment"),
                  CopyIn("A", a_begin, "A_t", a_extent), TileNest("B_t", rows, cols, Call("exp", {At("A_t")})),
                  CopyOut("B_t", "B", {Mul(V("by"), rows), Mul(V("bx"), cols)})});
}

std::vector<std::string> Names(const std::string& prefix, int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back(absl::StrCat(prefix, i));
  return v;
}

INSTANTIATE_TEST_SUITE_P(
    Errors, MemorySpaceLowerErrorTest,
    ::testing::Values(
        LowerError{"OffsetNotTileAligned",
                   [] { return ExpRequest({Mul(V("by"), 16), Mul(V("bx"), 32)}, {32, 32}); },
                   "T.copy of 'A' at [by * 16, bx * 32] with extent [32, 32] is not tile-aligned: TT moves whole "
                   "[32, 32] tiles, so offsets and extents must be multiples of the tile"},
        LowerError{"OnChipBufferNotWholeTiles",
                   [] { return ExpRequest({Mul(V("by"), 16), Mul(V("bx"), 32)}, {16, 32}); },
                   "on-chip buffer 'A_t' of shape [16, 32] is not a whole block of [32, 32] tiles; TT circular "
                   "buffers hold whole tiles"},
        LowerError{"CopyReshapesABlock",
                   [] {
                     // A 32x64 region (1x2 tiles) of A into a 64x32 buffer (2x1 tiles).
                     return ExpRequest({Mul(V("by"), 32), Mul(V("bx"), 64)}, {64, 32}, {32, 64}, "shared",
                                       {256, 512}, {8, 4});
                   },
                   "T.copy reshapes a 1x2-tile block of 'A' into 'A_t' of 2x1 tiles; TT copies whole tiles without "
                   "reshaping"},
        LowerError{"BufferBothFilledFromAndCopiedToDramAndComputedWith",
                   [] {
                     return Request({{"A", {64, 64}}, {"B", {64, 64}}, {"C", {64, 64}}}, {2, 2},
                                    {Alloc("A_t", {32, 32}), Alloc("B_t", {32, 32}, "bfloat16", "fragment"),
                                     CopyIn("A", {Mul(V("by"), 32), Mul(V("bx"), 32)}, "A_t"),
                                     TileNest("B_t", 32, 32, Call("exp", {At("A_t")})),
                                     CopyOut("A_t", "B", {Mul(V("by"), 32), Mul(V("bx"), 32)}),
                                     CopyOut("B_t", "C", {Mul(V("by"), 32), Mul(V("bx"), 32)})});
                   },
                   "'A_t' is both filled from DRAM and copied to DRAM, and the core computes with it in between; a "
                   "circular buffer has one consumer, so write the computed values into a separate buffer and copy "
                   "that one out"},
        LowerError{"AllocLocalOnADramCopy",
                   [] { return ExpRequest({Mul(V("by"), 32), Mul(V("bx"), 32)}, {32, 32}, {}, "local"); },
                   "'A_t' is a T.alloc_local buffer; data moves between DRAM and Tensix cores through circular "
                   "buffers: use T.alloc_shared or T.alloc_fragment"},
        LowerError{"CopyOfPartOfAnOnChipBuffer",
                   [] {
                     return Request({{"A", {64, 64}}, {"B", {64, 64}}}, {2, 2},
                                    {Alloc("A_t", {32, 64}), Alloc("X_t", {32, 32}, "bfloat16", "shared"),
                                     Alloc("B_t", {32, 32}, "bfloat16", "fragment"),
                                     CopyIn("A", {Mul(V("by"), 32), I(0)}, "A_t"),
                                     "body { copy { src { buffer: \"A_t\" begin { int_imm: 0 } begin { int_imm: 32 } } "
                                     "dst { buffer: \"X_t\" } } }",
                                     TileNest("B_t", 32, 32, Call("exp", {At("X_t")})),
                                     CopyOut("B_t", "B", {Mul(V("by"), 32), Mul(V("bx"), 32)})});
                   },
                   "T.copy from 'A_t' to 'X_t' is not supported by the TT lowering: a copy between on-chip buffers "
                   "is lowered only for whole buffers of the same shape"},
        LowerError{"MoreThanEightInputs",
                   [] { return EltwiseRequest(Names("I", 9), 64, 64, 32, 32, Bin("ADD", At("I0_t"), At("I8_t"))); },
                   "too many input circular buffers: 9 on-chip buffers are filled from DRAM but c_0..c_7 hold 8"},
        LowerError{"MoreThanEightOutputs",
                   [] {
                     std::vector<Param> params = {{"A", {64, 64}}};
                     Body body = {Alloc("A_t", {32, 32}), CopyIn("A", {Mul(V("by"), 32), Mul(V("bx"), 32)}, "A_t")};
                     for (const std::string& o : Names("O", 9)) {
                       params.push_back({o, {64, 64}});
                       body.push_back(Alloc(o + "_t", {32, 32}, "bfloat16", "fragment"));
                       body.push_back(TileNest(o + "_t", 32, 32, Call("exp", {At("A_t")})));
                       body.push_back(CopyOut(o + "_t", o, {Mul(V("by"), 32), Mul(V("bx"), 32)}));
                     }
                     return Request(params, {2, 2}, body);
                   },
                   "too many output circular buffers: 9 on-chip buffers are copied to DRAM but c_16..c_23 hold 8"}),
    [](const ::testing::TestParamInfo<LowerError>& i) { return i.param.name; });

}  // namespace
}  // namespace ttc
