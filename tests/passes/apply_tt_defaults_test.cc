// PASSES.md section 1 (apply_tt_defaults): Checks and behaviour.
#include <gtest/gtest.h>

#include "passes/apply_tt_defaults.h"
#include "passes/attrs.h"
#include "tests/testing.h"

namespace ttc {
namespace {

using testing::CompileWith;
using testing::SimpleRequest;

TEST(ApplyTTDefaults, AddsTheFiveDefaultsWhenNoTTAttributeExists) {
  auto r = CompileWith(SimpleRequest({8, 8}, {256, 256}), "apply_tt_defaults");
  ASSERT_TRUE(r.ok());
  const auto& a = r.unit.func.attrs;
  EXPECT_EQ(a[attr::kSchedulePolicy], "contiguous");
  EXPECT_EQ(a[attr::kScheduleOrder], "row_major");
  EXPECT_EQ(a[attr::kLayoutType], "dram_interleaved");
  EXPECT_EQ(a[attr::kTileHeight], 32);
  EXPECT_EQ(a[attr::kTileWidth], 32);
  EXPECT_EQ(a.size(), 5u);
}

TEST(ApplyTTDefaults, AddsNothingWhenATTAttributeExists) {
  auto req = SimpleRequest({8, 8}, {256, 256});
  (*req.mutable_func()->mutable_attrs())["tt_schedule_policy"].set_string_value("contiguous");
  auto r = CompileWith(req, "apply_tt_defaults");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.unit.func.attrs.contains(attr::kScheduleOrder));
  EXPECT_EQ(r.unit.func.attrs.size(), 1u);
}

TEST(ApplyTTDefaults, DottedKeysDoNotCount) {
  auto req = SimpleRequest({8, 8}, {256, 256});
  (*req.mutable_func()->mutable_attrs())["tt.user_layout"].set_string_value("x");
  auto r = CompileWith(req, "apply_tt_defaults");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.unit.func.attrs[attr::kScheduleOrder], "row_major");
}

TEST(ApplyTTDefaults, IsIdempotent) {
  auto r1 = CompileWith(SimpleRequest({8, 8}, {256, 256}), "apply_tt_defaults");
  ir::PrimFunc once = r1.unit.func;
  PassContext ctx{r1.unit.target, r1.diag, {}, {}};
  ApplyTTDefaults(ctx, r1.unit.func);
  EXPECT_EQ(once.attrs, r1.unit.func.attrs);
}

}  // namespace
}  // namespace ttc
