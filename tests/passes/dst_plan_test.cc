// passes/dst_plan.h: resident results with their offsets, sub-blocks (the largest divisor of
// the result's tiles that fits), spills when the region consumes inputs, and overflow.
#include "passes/dst_plan.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace ttc {
namespace {

TEST(DstPlan, ResultsThatFitStayResidentInNameOrder) {
  const DstPlan p = PlanDst({{"C", 4}, {"B", 2}}, 8, /*consumes=*/true);
  EXPECT_EQ(p.kind, DstPlan::Kind::kResident);
  EXPECT_EQ(p.offsets, (std::map<std::string, int64_t>{{"B", 0}, {"C", 2}}));
  EXPECT_EQ(p.total, 6);
  EXPECT_EQ(p.dst_tiles(), 6);
}

TEST(DstPlan, OneLargeResultIsSplitIntoSubBlocks) {
  struct Case {
    int64_t tiles, capacity;
    bool consumes;
    DstPlan::Kind kind;
    int64_t sub_block;
  };
  const Case cases[] = {
      {16, 8, false, DstPlan::Kind::kSubBlocks, 8},
      {12, 8, false, DstPlan::Kind::kSubBlocks, 6},
      {9, 4, true, DstPlan::Kind::kSpill, 3},
      {7, 4, true, DstPlan::Kind::kSpill, 1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << c.tiles << " tiles on " << c.capacity);
    const DstPlan p = PlanDst({{"C", c.tiles}}, c.capacity, c.consumes);
    EXPECT_EQ(p.kind, c.kind);
    EXPECT_EQ(p.result, "C");
    EXPECT_EQ(p.sub_block, c.sub_block);
    EXPECT_EQ(p.dst_tiles(), c.sub_block);
  }
}

TEST(DstPlan, SeveralSameSizeResultsAreSplitTogether) {
  // 3 results of 8 tiles on 8: 2 tiles of each per sub-block (the largest divisor of 8 <= 8 / 3).
  const DstPlan p = PlanDst({{"C", 8}, {"D", 8}, {"E", 8}}, 8, false);
  EXPECT_EQ(p.kind, DstPlan::Kind::kSubBlocks);
  EXPECT_EQ(p.sub_block, 2);
  EXPECT_EQ(p.offsets, (std::map<std::string, int64_t>{{"C", 0}, {"D", 2}, {"E", 4}}));
  EXPECT_EQ(p.dst_tiles(), 6);
}

TEST(DstPlan, SeveralResultsThatCannotBeSplitTogetherOverflow) {
  for (const auto& [tiles, consumes] : std::vector<std::pair<std::map<std::string, int64_t>, bool>>{
           {{{"C", 8}, {"D", 8}}, true},      // the region consumes inputs inside
           {{{"C", 8}, {"D", 4}}, false},     // different sizes
       }) {
    const DstPlan p = PlanDst(tiles, 8, consumes);
    EXPECT_EQ(p.kind, DstPlan::Kind::kOverflow);
    EXPECT_EQ(p.dst_tiles(), 0);
  }
  const DstPlan p = PlanDst({{"C", 8}, {"D", 8}}, 8, true);
  EXPECT_EQ(p.total, 16);
}

}  // namespace
}  // namespace ttc
