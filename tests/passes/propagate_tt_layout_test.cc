// PASSES.md section 5 (propagate_tt_layout / PropagateTTLayout): circular-buffer page size,
// depth by data-flow role and data format on both endpoints of DRAM<->L1 copies.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "passes/attrs.h"
#include "passes/propagate_tt_layout.h"
#include "tests/passes/pass_test_util.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::CompileWith;
using testing::Errors;
using testing::FirstError;
using testing::kThroughLayout;
using testing::kThroughPropagate;
using testing::LayoutOf;
using testing::LoadExample;
using testing::ParseRequestText;
using testing::SimpleRequest;

CbAttr Cb(const CompileResult& r, const std::string& buffer) {
  auto it = r.unit.func.attrs.find(attr::CbKey(buffer));
  if (it == r.unit.func.attrs.end()) {
    ADD_FAILURE() << "no " << attr::CbKey(buffer);
    return {};
  }
  auto cb = CbFromAttr(*it);
  if (!cb) {
    ADD_FAILURE() << "malformed " << it->dump();
    return {};
  }
  return *cb;
}

struct FormatCase {
  std::string dtype;
  int64_t page_size;  // 32x32 tile
  std::string data_format;
};

class PropagateTTLayoutFormatTest : public ::testing::TestWithParam<FormatCase> {};

TEST_P(PropagateTTLayoutFormatTest, PageSizeAndDataFormatFollowTheDtype) {
  const FormatCase& c = GetParam();
  auto r = CompileWith(SimpleRequest({8, 8}, {256, 256}, c.dtype), kThroughPropagate);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  for (const char* name : {"A", "A_tile", "B", "B_tile", "C", "C_tile"}) {
    SCOPED_TRACE(name);
    const CbAttr cb = Cb(r, name);
    EXPECT_EQ(cb.page_size, c.page_size);
    EXPECT_EQ(cb.data_format, c.data_format);
  }
}

// Every dtype of section 5 with its tt::DataFormat name and 32x32 page size.
INSTANTIATE_TEST_SUITE_P(Section5, PropagateTTLayoutFormatTest,
                         ::testing::Values(FormatCase{"bfloat16", 2048, "Float16_b"},
                                           FormatCase{"float16", 2048, "Float16"},
                                           FormatCase{"float32", 4096, "Float32"},
                                           FormatCase{"int32", 4096, "Int32"},
                                           FormatCase{"uint32", 4096, "UInt32"},
                                           FormatCase{"int16", 2048, "Int16"},
                                           FormatCase{"uint16", 2048, "UInt16"},
                                           FormatCase{"int8", 1024, "Int8"},
                                           FormatCase{"uint8", 1024, "UInt8"},
                                           FormatCase{"bfp8_b", 1088, "Bfp8_b"}),
                         [](const ::testing::TestParamInfo<FormatCase>& i) { return i.param.dtype; });

struct PageCase {
  std::string name;
  std::string dtype;
  std::vector<int64_t> tile;  // annotated on A; empty = default 32x32
  int64_t page_size;
};

class PropagateTTLayoutPageSizeTest : public ::testing::TestWithParam<PageCase> {};

TEST_P(PropagateTTLayoutPageSizeTest, PageSizeIsTileElementsTimesDtypeBytes) {
  const PageCase& c = GetParam();
  auto req = SimpleRequest({8, 8}, {256, 256}, c.dtype);
  for (int64_t t : c.tile) LayoutOf(req, "A").add_tile_shape(t);
  auto r = CompileWith(req, kThroughPropagate);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(Cb(r, "A").page_size, c.page_size);
  EXPECT_EQ(Cb(r, "A_tile").page_size, c.page_size);
}

INSTANTIATE_TEST_SUITE_P(Checks, PropagateTTLayoutPageSizeTest,
                         ::testing::Values(PageCase{"Bf16Tile32x32", "bfloat16", {}, 2048},
                                           PageCase{"Fp32Tile32x32", "float32", {}, 4096},
                                           PageCase{"Bf16Tile16x16", "bfloat16", {16, 16}, 512},
                                           PageCase{"Bfp8bTile32x32", "bfp8_b", {}, 1088},
                                           PageCase{"Fp32Tile16x32", "float32", {16, 32}, 2048}),
                         [](const ::testing::TestParamInfo<PageCase>& i) { return i.param.name; });

TEST(PropagateTTLayout, DepthIsTwoForReadBuffersAndOneForWrittenOnes) {
  auto r = CompileWith(SimpleRequest({8, 8}, {256, 256}), kThroughPropagate);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Cb(r, "A").depth, 2);
  EXPECT_EQ(Cb(r, "A_tile").depth, 2);
  EXPECT_EQ(Cb(r, "B").depth, 2);
  EXPECT_EQ(Cb(r, "B_tile").depth, 2);
  EXPECT_EQ(Cb(r, "C").depth, 1);
  EXPECT_EQ(Cb(r, "C_tile").depth, 1);
}

TEST(PropagateTTLayout, GemmExampleAccumulatorHasDepthOne) {
  auto r = CompileWith(LoadExample("gemm_256_bf16"), kThroughPropagate);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(Cb(r, "A_shared").depth, 2);
  EXPECT_EQ(Cb(r, "B_shared").depth, 2);
  EXPECT_EQ(Cb(r, "C_local").depth, 1);
  EXPECT_EQ(Cb(r, "C").depth, 1);
  // The CB carries C's bf16 tiles even though the accumulator fragment is float32.
  EXPECT_EQ(Cb(r, "C_local").page_size, 2048);
  EXPECT_EQ(Cb(r, "C_local").data_format, "Float16_b");
}

// The roles are swapped relative to the names: "C" is read and "A" is written. Depth must
// follow the data flow, not the letters (the reference chose CB pages by "C" in the name).
// (acc is float32 and copied to a bfloat16 tensor, so the copy into it is kept, not forwarded.)
TEST(PropagateTTLayout, DepthIsDecidedByDataFlowNotByName) {
  auto req = ParseRequestText(R"pb(
    func {
      name: "main"
      params { name: "C" shape: [64, 64] dtype: "bfloat16" }
      params { name: "A" shape: [64, 64] dtype: "bfloat16" }
      grid { extents: [2, 2] }
      body { alloc { buffer { name: "c_in" shape: [32, 32] dtype: "bfloat16" scope: "shared" } } }
      body { alloc { buffer { name: "acc" shape: [32, 32] dtype: "float32" scope: "fragment" } } }
      body { copy { src { buffer: "C" begin { int_imm: 0 } begin { int_imm: 0 } } dst { buffer: "c_in" } } }
      body { copy { src { buffer: "c_in" } dst { buffer: "acc" } } }
      body { copy { src { buffer: "acc" } dst { buffer: "A" begin { int_imm: 0 } begin { int_imm: 0 } } } }
    }
  )pb");
  auto r = CompileWith(req, kThroughPropagate);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(Cb(r, "C").depth, 2);
  EXPECT_EQ(Cb(r, "c_in").depth, 2);
  EXPECT_EQ(Cb(r, "A").depth, 1);
  EXPECT_EQ(Cb(r, "acc").depth, 1);
}

// (The copies convert bfloat16 -> float32 -> float16 and the float16 buffer goes to a bfloat16
// tensor, so none is forwarded.)
TEST(PropagateTTLayout, OnChipToOnChipCopiesGetNoCircularBuffer) {
  auto req = ParseRequestText(R"pb(
    func {
      name: "main"
      params { name: "X" shape: [64, 64] dtype: "bfloat16" }
      params { name: "Y" shape: [64, 64] dtype: "bfloat16" }
      grid { extents: [2, 2] }
      body { alloc { buffer { name: "x_tile" shape: [32, 32] dtype: "bfloat16" scope: "shared" } } }
      body { alloc { buffer { name: "scratch" shape: [32, 32] dtype: "float32" scope: "shared" } } }
      body { alloc { buffer { name: "y_tile" shape: [32, 32] dtype: "float16" scope: "fragment" } } }
      body { copy { src { buffer: "X" begin { int_imm: 0 } begin { int_imm: 0 } } dst { buffer: "x_tile" } } }
      body { copy { src { buffer: "x_tile" } dst { buffer: "scratch" } } }
      body { copy { src { buffer: "scratch" } dst { buffer: "y_tile" } } }
      body { copy { src { buffer: "y_tile" } dst { buffer: "Y" begin { int_imm: 0 } begin { int_imm: 0 } } } }
    }
  )pb");
  auto r = CompileWith(req, kThroughPropagate);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_FALSE(r.unit.func.attrs.contains(attr::CbKey("scratch")));
  EXPECT_TRUE(r.unit.func.attrs.contains(attr::CbKey("x_tile")));
  EXPECT_TRUE(r.unit.func.attrs.contains(attr::CbKey("y_tile")));
  int cbs = 0;
  for (auto it = r.unit.func.attrs.begin(); it != r.unit.func.attrs.end(); ++it) {
    if (it.key().rfind(attr::kCbPrefix, 0) == 0) ++cbs;
  }
  EXPECT_EQ(cbs, 4);  // X, x_tile, y_tile, Y
}

// Circular buffers are stamped on copies between DRAM and L1 buffers (shared/fragment);
// a T.alloc_local buffer is not L1 and gets none.
TEST(PropagateTTLayout, LocalScopeBuffersGetNoCircularBuffer) {
  auto req = ParseRequestText(R"pb(
    func {
      name: "main"
      params { name: "X" shape: [64, 64] dtype: "bfloat16" }
      params { name: "Y" shape: [64, 64] dtype: "bfloat16" }
      grid { extents: [2, 2] }
      body { alloc { buffer { name: "x_tile" shape: [32, 32] dtype: "bfloat16" scope: "shared" } } }
      body { alloc { buffer { name: "x_reg" shape: [1, 32] dtype: "bfloat16" scope: "local" } } }
      body { alloc { buffer { name: "y_tile" shape: [32, 32] dtype: "bfloat16" scope: "fragment" } } }
      body { copy { src { buffer: "X" begin { int_imm: 0 } begin { int_imm: 0 } } dst { buffer: "x_tile" } } }
      body { copy { src { buffer: "X" begin { int_imm: 0 } begin { int_imm: 0 } } dst { buffer: "x_reg" } } }
      body { copy { src { buffer: "y_tile" } dst { buffer: "Y" begin { int_imm: 0 } begin { int_imm: 0 } } } }
    }
  )pb");
  auto r = CompileWith(req, kThroughPropagate);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_FALSE(r.unit.func.attrs.contains(attr::CbKey("x_reg")));
  EXPECT_TRUE(r.unit.func.attrs.contains(attr::CbKey("x_tile")));
  EXPECT_EQ(Cb(r, "X").depth, 2);
}

TEST(PropagateTTLayout, UserCbDepthOverridesTheRoleDefault) {
  auto req = SimpleRequest({8, 8}, {256, 256});
  LayoutOf(req, "A").set_cb_depth(4);
  LayoutOf(req, "C").set_cb_depth(3);
  auto r = CompileWith(req, kThroughPropagate);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(Cb(r, "A").depth, 4);
  EXPECT_EQ(Cb(r, "A_tile").depth, 4);
  EXPECT_EQ(Cb(r, "C").depth, 3);
  EXPECT_EQ(Cb(r, "C_tile").depth, 3);
  EXPECT_EQ(Cb(r, "B").depth, 2);  // not annotated
}

TEST(PropagateTTLayout, UserDataFormatAndDtypeOverrides) {
  auto req = SimpleRequest({8, 8}, {256, 256});
  LayoutOf(req, "A").set_data_format("Bfp8_b");
  LayoutOf(req, "B").set_dtype("float32");
  auto r = CompileWith(req, kThroughPropagate);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(Cb(r, "A").data_format, "Bfp8_b");
  EXPECT_EQ(Cb(r, "B").data_format, "Float32");
  EXPECT_EQ(Cb(r, "B").page_size, 4096);
  EXPECT_EQ(Cb(r, "C").data_format, "Float16_b");
}

TEST(PropagateTTLayout, MissingLayoutMetadataIsAUserErrorWhenInferTTLayoutWasNotRun) {
  auto r = CompileWith(SimpleRequest({8, 8}, {256, 256}), "apply_tt_defaults,propagate_tt_layout");
  ASSERT_FALSE(r.ok());
  const Diagnostic* d = FirstError(r);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->message, "missing layout metadata: buffer 'A' has no tt.buffer entry (run infer_tt_layout first)");
  EXPECT_FALSE(d->internal);
  EXPECT_FALSE(r.diag.has_internal_errors());
  EXPECT_EQ(d->pass, "propagate_tt_layout");
  EXPECT_EQ(r.pipeline.failed_pass, "propagate_tt_layout");
  EXPECT_FALSE(r.unit.func.attrs.contains(attr::CbKey("A")));
}

TEST(PropagateTTLayout, MissingLayoutMetadataIsInternalWhenInferTTLayoutRan) {
  auto r = CompileWith(SimpleRequest({8, 8}, {256, 256}), kThroughLayout);
  ASSERT_TRUE(r.ok());
  r.unit.func.attrs.erase(attr::BufferKey("B"));
  PassContext ctx{r.unit.target, r.diag, {"infer_tt_layout"}, {}};
  PropagateTTLayout(ctx, r.unit.func);
  ASSERT_TRUE(r.diag.has_internal_errors());
  const Diagnostic* d = FirstError(r);
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->internal);
  EXPECT_THAT(d->message, StartsWith("missing layout metadata: buffer 'B' has no tt.buffer entry"));
}

struct UnsupportedCase {
  std::string name;
  std::string param_dtype;     // all of A, B, C
  std::string override_dtype;  // layouts["A"].dtype; "" = none
};

class PropagateTTLayoutUnsupportedDtypeTest : public ::testing::TestWithParam<UnsupportedCase> {};

TEST_P(PropagateTTLayoutUnsupportedDtypeTest, Int4IsRejectedNamingTheBuffer) {
  const UnsupportedCase& c = GetParam();
  auto req = SimpleRequest({8, 8}, {256, 256}, c.param_dtype);
  if (!c.override_dtype.empty()) LayoutOf(req, "A").set_dtype(c.override_dtype);
  auto r = CompileWith(req, kThroughPropagate);
  ASSERT_FALSE(r.ok());
  const Diagnostic* d = FirstError(r);
  ASSERT_NE(d, nullptr);
  EXPECT_THAT(d->message, StartsWith("unsupported dtype 'int4' for buffer 'A'"));
  EXPECT_THAT(d->message, HasSubstr("bfloat16"));  // lists what is supported
  EXPECT_FALSE(d->internal);
  EXPECT_EQ(d->pass, "propagate_tt_layout");
  EXPECT_FALSE(r.unit.func.attrs.contains(attr::CbKey("A")));
}

INSTANTIATE_TEST_SUITE_P(Section5, PropagateTTLayoutUnsupportedDtypeTest,
                         ::testing::Values(UnsupportedCase{"ParameterDtype", "int4", ""},
                                           UnsupportedCase{"AnnotatedDeviceDtype", "bfloat16", "int4"}),
                         [](const ::testing::TestParamInfo<UnsupportedCase>& i) { return i.param.name; });

TEST(PropagateTTLayout, ConflictingPagesOnOneOnChipBufferAreReported) {
  // One shared tile is filled from a bf16 and from a float32 buffer: two page sizes.
  auto req = ParseRequestText(R"pb(
    func {
      name: "main"
      params { name: "X" shape: [64, 64] dtype: "bfloat16" }
      params { name: "W" shape: [64, 64] dtype: "float32" }
      params { name: "Y" shape: [64, 64] dtype: "bfloat16" }
      grid { extents: [2, 2] }
      body { alloc { buffer { name: "t" shape: [32, 32] dtype: "bfloat16" scope: "shared" } } }
      body { copy { src { buffer: "X" begin { int_imm: 0 } begin { int_imm: 0 } } dst { buffer: "t" } } }
      body { copy { src { buffer: "W" begin { int_imm: 0 } begin { int_imm: 0 } } dst { buffer: "t" } } }
      body { copy { src { buffer: "t" } dst { buffer: "Y" begin { int_imm: 0 } begin { int_imm: 0 } } } }
    }
  )pb");
  auto r = CompileWith(req, kThroughPropagate);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(Errors(r).at(0), StartsWith("conflicting circular buffers: buffer 't'"));
  EXPECT_THAT(Errors(r).at(0), HasSubstr("2048 bytes in Float16_b"));
  EXPECT_THAT(Errors(r).at(0), HasSubstr("4096 bytes in Float32"));
}

}  // namespace
}  // namespace ttc

namespace ttc {
namespace {

// passes/forward_onchip_copies.h: a computed fragment staged through a shared buffer of the
// same shape and dtype before the DRAM write (TileLang's elementwise add) is forwarded: the
// DRAM copy reads the fragment, which carries the circular buffer; the staging buffer is gone.
TEST(PropagateTTLayout, StagingCopyBetweenWholeOnChipBuffersIsForwarded) {
  auto req = testing::ParseRequestText(R"pb(
    func {
      name: "main"
      params { name: "A" shape: [64, 64] dtype: "float32" }
      params { name: "C" shape: [64, 64] dtype: "float32" }
      grid { extents: [2, 2] }
      body { alloc { buffer { name: "A_s" shape: [32, 32] dtype: "float32" scope: "shared" } } }
      body { alloc { buffer { name: "C_l" shape: [32, 32] dtype: "float32" scope: "fragment" } } }
      body { alloc { buffer { name: "C_s" shape: [32, 32] dtype: "float32" scope: "shared" } } }
      body { copy { src { buffer: "A" begin { int_imm: 0 } begin { int_imm: 0 } } dst { buffer: "A_s" } } }
      body { fill { buffer: "C_l" value { float_imm: 1.0 } } }
      body { copy { src { buffer: "C_l" } dst { buffer: "C_s" } } }
      body { copy { src { buffer: "C_s" } dst { buffer: "C" begin { int_imm: 0 } begin { int_imm: 0 } } } }
    }
  )pb");
  auto r = testing::CompileWith(req, testing::kThroughPropagate);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(testing::Errors(r));
  EXPECT_TRUE(r.unit.func.attrs.contains(attr::CbKey("C_l")));
  EXPECT_FALSE(r.unit.func.attrs.contains(attr::CbKey("C_s")));
}

// Not forwarded: the staging buffer is written again after the copy (two writes), so reads of
// it do not all see the fragment's value.
TEST(PropagateTTLayout, StagingBufferWrittenTwiceIsNotForwarded) {
  auto req = testing::ParseRequestText(R"pb(
    func {
      name: "main"
      params { name: "C" shape: [64, 64] dtype: "float32" }
      grid { extents: [2, 2] }
      body { alloc { buffer { name: "C_l" shape: [32, 32] dtype: "float32" scope: "fragment" } } }
      body { alloc { buffer { name: "C_s" shape: [32, 32] dtype: "float32" scope: "shared" } } }
      body { fill { buffer: "C_l" value { float_imm: 1.0 } } }
      body { copy { src { buffer: "C_l" } dst { buffer: "C_s" } } }
      body { fill { buffer: "C_s" value { float_imm: 2.0 } } }
      body { copy { src { buffer: "C_s" } dst { buffer: "C" begin { int_imm: 0 } begin { int_imm: 0 } } } }
    }
  )pb");
  auto r = testing::CompileWith(req, testing::kThroughPropagate);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(testing::Errors(r));
  EXPECT_TRUE(r.unit.func.attrs.contains(attr::CbKey("C_s")));
  EXPECT_FALSE(r.unit.func.attrs.contains(attr::CbKey("C_l")));
}

}  // namespace
}  // namespace ttc
