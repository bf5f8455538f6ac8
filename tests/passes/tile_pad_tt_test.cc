// PASSES.md section 10 (tile_pad_tt): tt_padding_info for every buffer whose shape is not a
// whole number of tiles: original shape, padded shape and padding amount; aligned buffers get
// no entry and the attribute is absent when nothing pads. Checks: 250x250 -> 256x256,
// padding [6, 6]; aligned buffers get no entry.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "passes/attrs.h"
#include "tests/passes/pass_test_util.h"
#include "tests/passes/request_builder.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using testing::CompileWith;
using testing::Errors;
using testing::Ints;
using testing::LayoutOf;
using testing::LoadExample;
using testing::SimpleRequest;
using testing::Through;
using namespace testing::rb;

constexpr char kPass[] = "tile_pad_tt";

CompileResult Pad(const v1::KernelRequest& req) {
  auto r = CompileWith(req, Through(kPass));
  EXPECT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  return r;
}

TEST(TilePadTT, Shape250x250PadsTo256x256By6x6) {
  auto r = Pad(SimpleRequest({8, 8}, {250, 250}));
  const auto& info = r.unit.func.attrs.at(attr::kPaddingInfo);
  for (const char* b : {"A", "B", "C"}) {
    ASSERT_TRUE(info.contains(b)) << b;
    EXPECT_EQ(Ints(info.at(b).at("original_shape")), (std::vector<int64_t>{250, 250}));
    EXPECT_EQ(Ints(info.at(b).at("padded_shape")), (std::vector<int64_t>{256, 256}));
    EXPECT_EQ(Ints(info.at(b).at("padding_amount")), (std::vector<int64_t>{6, 6}));
  }
  EXPECT_EQ(info.size(), 3u);
}

TEST(TilePadTT, AlignedBuffersGetNoEntry) {
  // A is 250 x 256 (pads rows only); B and the output are whole tiles.
  auto req = Request({{"A", {250, 256}}, {"B", {256, 256}}, {"C", {256, 256}}}, {8, 8},
                     {Alloc("A_t", {32, 32}), Alloc("B_t", {32, 32}), Alloc("C_t", {32, 32}, "bfloat16", "fragment"),
                      CopyIn("A", {I(0), Mul(V("bx"), 32)}, "A_t"),
                      CopyIn("B", {Mul(V("by"), 32), Mul(V("bx"), 32)}, "B_t"),
                      TileNest("C_t", 32, 32, Bin("ADD", At("A_t"), At("B_t"))),
                      CopyOut("C_t", "C", {Mul(V("by"), 32), Mul(V("bx"), 32)})});
  auto r = Pad(req);
  const auto& info = r.unit.func.attrs.at(attr::kPaddingInfo);
  EXPECT_EQ(info.size(), 1u);
  ASSERT_TRUE(info.contains("A"));
  EXPECT_FALSE(info.contains("B"));
  EXPECT_FALSE(info.contains("C"));
  EXPECT_EQ(Ints(info.at("A").at("original_shape")), (std::vector<int64_t>{250, 256}));
  EXPECT_EQ(Ints(info.at("A").at("padded_shape")), (std::vector<int64_t>{256, 256}));
  EXPECT_EQ(Ints(info.at("A").at("padding_amount")), (std::vector<int64_t>{6, 0}));
}

TEST(TilePadTT, AttributeAbsentWhenNothingPads) {
  for (const char* ex : {"gemm_256_bf16", "gemm_1024_bf16_block128", "kernel_3d"}) {
    auto r = Pad(LoadExample(ex));
    EXPECT_FALSE(r.unit.func.attrs.contains(attr::kPaddingInfo)) << ex;
    EXPECT_TRUE(r.pipeline.ok) << ex;
  }
}

TEST(TilePadTT, Matmul100x100Fp32PadsEveryOperandTo128) {
  auto r = Pad(LoadExample("matmul_100x100_fp32"));
  const auto& info = r.unit.func.attrs.at(attr::kPaddingInfo);
  ASSERT_EQ(info.size(), 3u);
  for (const char* b : {"A", "B", "C"}) {
    EXPECT_EQ(Ints(info.at(b).at("original_shape")), (std::vector<int64_t>{100, 100}));
    EXPECT_EQ(Ints(info.at(b).at("padded_shape")), (std::vector<int64_t>{128, 128}));
    EXPECT_EQ(Ints(info.at(b).at("padding_amount")), (std::vector<int64_t>{28, 28}));
  }
}

TEST(TilePadTT, PaddingFollowsTheBufferTileShape) {
  // A 16x16 tile: 250 pads to 256 (16 x 16); with 32x32 it also pads to 256, so use 100:
  // 100 -> 112 with 16-row tiles, 128 with 32.
  auto req = SimpleRequest({4, 4}, {100, 100});
  LayoutOf(req, "A").add_tile_shape(16);
  LayoutOf(req, "A").add_tile_shape(16);
  auto r = Pad(req);
  const auto& info = r.unit.func.attrs.at(attr::kPaddingInfo);
  EXPECT_EQ(Ints(info.at("A").at("padded_shape")), (std::vector<int64_t>{112, 112}));
  EXPECT_EQ(Ints(info.at("A").at("padding_amount")), (std::vector<int64_t>{12, 12}));
  EXPECT_EQ(Ints(info.at("B").at("padded_shape")), (std::vector<int64_t>{128, 128}));
}

TEST(TilePadTT, ChangesNothingButThePaddingInfo) {
  auto before = CompileWith(SimpleRequest({8, 8}, {250, 250}), Through("memory_space_lower_tt"));
  auto after = Pad(SimpleRequest({8, 8}, {250, 250}));
  ASSERT_TRUE(before.ok());
  ir::AttrValue a = after.unit.func.attrs;
  a.erase(attr::kPaddingInfo);
  EXPECT_EQ(a, before.unit.func.attrs);
}

}  // namespace
}  // namespace ttc
