// The pass manager (passes/pass_manager.h): pipeline construction from --passes and
// --stop-after, requirement checks naming the producing pass, stopping on errors,
// IR dumps, and determinism.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_split.h"
#include "driver/compile.h"
#include "driver/pipeline.h"
#include "passes/attrs.h"
#include "passes/pass_manager.h"
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
using testing::SimpleRequest;

// The whole registry, in order: the metadata passes (PASSES.md 1-6), the lowering passes
// (7-12) and codegen (13).
constexpr char kFullPipeline[] =
    "apply_tt_defaults,infer_default_tt_schedule,infer_default_tt_shard,infer_tt_layout,propagate_tt_layout,"
    "layout_aware_work_partition_tt,grid_to_persistent_tt,tt_tiles_to_core_map,memory_space_lower_tt,tile_pad_tt,"
    "tensorize_tt,verify_tt_ir,emit_tt_kernels";

absl::StatusOr<CompileResult> CompileOpts(const v1::KernelRequest& req, const PipelineOptions& p,
                                          std::ostream* ir_out = nullptr) {
  CompileOptions opts;
  opts.pipeline = p;
  return Compile(req, opts, ir_out);
}

PipelineOptions Passes(const std::string& list) {
  PipelineOptions p;
  p.passes = absl::StrSplit(list, ',');
  return p;
}

TEST(PassManager, DefaultPipelineIsTheRegistryInOrder) {
  auto r = CompileWith(SimpleRequest({8, 8}, {256, 256}));
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(Errors(r));
  EXPECT_EQ(r.pipeline_string, kFullPipeline);
  ASSERT_EQ(r.pipeline.timings.size(), 13u);
  std::vector<std::string> ran;
  for (const PassTiming& t : r.pipeline.timings) ran.push_back(t.pass);
  EXPECT_EQ(ran, std::vector<std::string>(absl::StrSplit(kFullPipeline, ',')));
  EXPECT_TRUE(r.pipeline.ok);
  EXPECT_EQ(r.pipeline.failed_pass, "");
}

TEST(PassManager, UnknownPassIsAnInvalidArgumentListingKnownPasses) {
  auto r = CompileOpts(SimpleRequest({8, 8}, {256, 256}), Passes("apply_tt_defaults,fuse_everything"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(r.status().message());
  EXPECT_THAT(msg, StartsWith("unknown pass 'fuse_everything'"));
  for (const PassInfo& p : TTPipeline()) EXPECT_THAT(msg, HasSubstr(p.name));
  EXPECT_THAT(msg, HasSubstr("known passes: apply_tt_defaults, infer_default_tt_schedule"));
}

TEST(PassManager, RepeatedPassIsAnInvalidArgument) {
  auto r = CompileOpts(SimpleRequest({8, 8}, {256, 256}), Passes("apply_tt_defaults,apply_tt_defaults"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("'apply_tt_defaults' is listed twice"));
}

struct RequirementCase {
  std::string name;
  std::string passes;
  std::string failing_pass;
  std::string attribute;
  std::string producer;
};

class PassManagerRequirementTest : public ::testing::TestWithParam<RequirementCase> {};

TEST_P(PassManagerRequirementTest, UserErrorNamesTheAttributeAndItsProducer) {
  const RequirementCase& c = GetParam();
  auto r = CompileWith(SimpleRequest({8, 8}, {256, 256}), c.passes);
  ASSERT_FALSE(r.ok());
  const Diagnostic* d = FirstError(r);
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE(d->internal);
  EXPECT_EQ(d->message, "pass '" + c.failing_pass + "' requires attribute '" + c.attribute + "', produced by '" +
                            c.producer + "'; add it before '" + c.failing_pass + "' in --passes");
  EXPECT_EQ(r.pipeline.failed_pass, c.failing_pass);
}

INSTANTIATE_TEST_SUITE_P(
    Pipelines, PassManagerRequirementTest,
    ::testing::Values(
        RequirementCase{"ScheduleAlone", "infer_default_tt_schedule", "infer_default_tt_schedule",
                        "tt_schedule_policy", "apply_tt_defaults"},
        RequirementCase{"ShardAlone", "infer_default_tt_shard", "infer_default_tt_shard", "tt_tile_height",
                        "apply_tt_defaults"},
        RequirementCase{"LayoutWithoutShard", "apply_tt_defaults,infer_tt_layout", "infer_tt_layout", "tt_shard",
                        "infer_default_tt_shard"},
        RequirementCase{"PartitionWithoutSchedule",
                        "apply_tt_defaults,infer_default_tt_shard,infer_tt_layout,layout_aware_work_partition_tt",
                        "layout_aware_work_partition_tt", "tt_num_tiles", "infer_default_tt_schedule"}),
    [](const ::testing::TestParamInfo<RequirementCase>& i) { return i.param.name; });

TEST(PassManager, EveryMissingRequirementIsReportedAndThePassDoesNotRun) {
  auto r = CompileWith(SimpleRequest({8, 8}, {256, 256}), "infer_default_tt_schedule");
  EXPECT_THAT(Errors(r), ElementsAre(HasSubstr("'tt_schedule_policy'"), HasSubstr("'tt_schedule_order'")));
  EXPECT_FALSE(r.unit.func.attrs.contains(attr::kTilesPerCore));
}

// apply_tt_defaults adds nothing once the request sets any tt_ attribute (section 1), so a
// request that sets only some of them leaves later requirements unmet: that is the user's
// input, not a compiler bug, and must be reported as a user error.
TEST(PassManager, PartialUserTTAttributesAreAUserErrorNotAnInternalOne) {
  auto req = SimpleRequest({8, 8}, {256, 256});
  (*req.mutable_func()->mutable_attrs())["tt_schedule_policy"].set_string_value("contiguous");
  auto r = CompileWith(req);
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(r.diag.has_internal_errors());
  const Diagnostic* d = FirstError(r);
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE(d->internal);
  EXPECT_THAT(d->message, StartsWith("pass 'infer_default_tt_schedule' requires attribute 'tt_schedule_order'"));
  EXPECT_THAT(d->message, HasSubstr("tt_schedule_policy"));  // why the defaults were not applied
  EXPECT_EQ(r.pipeline.failed_pass, "infer_default_tt_schedule");
}

// A pass that drops an attribute its producer wrote: simulates a producer bug.
void DropNumTiles(PassContext&, ir::PrimFunc& func) { func.attrs.erase(attr::kNumTiles); }

TEST(PassManager, MissingAttributeAfterItsProducerRanIsInternal) {
  const PassInfo drop = {"drop_num_tiles", "test only", {}, {}, &DropNumTiles};
  std::vector<const PassInfo*> pipeline = {FindPass(TTPipeline(), "apply_tt_defaults"), FindPass(TTPipeline(), "infer_default_tt_schedule"),
                                           FindPass(TTPipeline(), "infer_default_tt_shard"), FindPass(TTPipeline(), "infer_tt_layout"), &drop,
                                           FindPass(TTPipeline(), "layout_aware_work_partition_tt")};
  auto r = CompileWith(SimpleRequest({8, 8}, {256, 256}), "apply_tt_defaults");
  ASSERT_TRUE(r.ok());
  DiagnosticEngine diag;
  auto result = RunPipeline(TTPipeline(), pipeline, PipelineOptions{}, r.unit.target, r.unit.func, diag, nullptr);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.failed_pass, "layout_aware_work_partition_tt");
  ASSERT_TRUE(diag.has_internal_errors());
  EXPECT_EQ(diag.diagnostics().at(0).message,
            "attribute 'tt_num_tiles' is missing although infer_default_tt_schedule ran before "
            "layout_aware_work_partition_tt");
}

TEST(PassManager, StopAfterTruncatesThePipeline) {
  PipelineOptions p;
  p.stop_after = "infer_default_tt_shard";
  auto r = CompileOpts(SimpleRequest({8, 8}, {256, 256}), p);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(r->ok());
  EXPECT_EQ(r->pipeline_string, "apply_tt_defaults,infer_default_tt_schedule,infer_default_tt_shard");
  EXPECT_EQ(r->pipeline.timings.size(), 3u);
  EXPECT_TRUE(r->unit.func.attrs.contains(attr::kShard));
  EXPECT_FALSE(r->unit.func.attrs.contains(attr::BufferKey("A")));
  EXPECT_FALSE(r->unit.func.attrs.contains(attr::kPartitionMode));
}

TEST(PassManager, StopAfterAppliesToAnExplicitPassList) {
  PipelineOptions p = Passes("apply_tt_defaults,infer_default_tt_schedule,infer_default_tt_shard");
  p.stop_after = "infer_default_tt_schedule";
  auto r = CompileOpts(SimpleRequest({8, 8}, {256, 256}), p);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->pipeline_string, "apply_tt_defaults,infer_default_tt_schedule");
  EXPECT_FALSE(r->unit.func.attrs.contains(attr::kShard));
}

TEST(PassManager, StopAfterOutsideThePipelineIsAnInvalidArgument) {
  PipelineOptions p = Passes("apply_tt_defaults,infer_default_tt_schedule");
  p.stop_after = "infer_tt_layout";
  auto r = CompileOpts(SimpleRequest({8, 8}, {256, 256}), p);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), StartsWith("--stop-after=infer_tt_layout"));
}

TEST(PassManager, AnErrorStopsThePipelineAtThatPass) {
  auto req = SimpleRequest({8, 8}, {256, 256});
  LayoutOf(req, "A").set_layout("blocked");
  auto r = CompileWith(req);
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(r.pipeline.ok);
  EXPECT_EQ(r.pipeline.failed_pass, "infer_tt_layout");
  EXPECT_EQ(r.pipeline.timings.size(), 4u);
  EXPECT_FALSE(r.unit.func.attrs.contains(attr::CbKey("B")));
  EXPECT_FALSE(r.unit.func.attrs.contains(attr::kPartitionMode));
}

TEST(PassManager, PrintIrAfterDumpsOnlyTheNamedPass) {
  PipelineOptions p;
  p.print_ir_after = {"infer_default_tt_schedule"};
  std::ostringstream ir;
  auto r = CompileOpts(SimpleRequest({8, 8}, {256, 256}), p, &ir);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(ir.str(), StartsWith("# -----// IR Dump After infer_default_tt_schedule //----- #\n"));
  EXPECT_THAT(ir.str(), ::testing::Not(HasSubstr("IR Dump After apply_tt_defaults")));
}

TEST(PassManager, PrintIrAfterAllDumpsEveryPass) {
  PipelineOptions p;
  p.print_ir_after_all = true;
  std::ostringstream ir;
  auto r = CompileOpts(SimpleRequest({8, 8}, {256, 256}), p, &ir);
  ASSERT_TRUE(r.ok()) << r.status();
  for (const PassInfo& pass : TTPipeline()) {
    EXPECT_THAT(ir.str(), HasSubstr(std::string("# -----// IR Dump After ") + pass.name + " //----- #"));
  }
}

TEST(PassManager, CompilingTwiceGivesIdenticalAttributes) {
  for (const auto& req : {LoadExample("gemm_256_bf16"), SimpleRequest({10, 10}, {100, 100})}) {
    auto r1 = CompileWith(req);
    auto r2 = CompileWith(req);
    ASSERT_TRUE(r1.ok()) << ::testing::PrintToString(Errors(r1));
    ASSERT_TRUE(r2.ok());
    const std::string d1 = AttributesJson(r1.unit.func).dump();
    EXPECT_EQ(d1, AttributesJson(r2.unit.func).dump());
    // Non-trivial: the whole pipeline's output is in it.
    EXPECT_THAT(d1, HasSubstr("\"tt_core_runtime_args\""));
    EXPECT_THAT(d1, HasSubstr("\"tt.cb.A\""));
    EXPECT_THAT(d1, HasSubstr("\"buffers\""));
  }
}

TEST(PassManager, ProducerOfNamesTheFirstProducer) {
  ASSERT_NE(ProducerOf(TTPipeline(), attr::kNumTiles), nullptr);
  EXPECT_STREQ(ProducerOf(TTPipeline(), attr::kNumTiles)->name, "infer_default_tt_schedule");
  ASSERT_NE(ProducerOf(TTPipeline(), attr::kShard), nullptr);
  EXPECT_STREQ(ProducerOf(TTPipeline(), attr::kShard)->name, "infer_default_tt_shard");
  EXPECT_EQ(ProducerOf(TTPipeline(), "no_such_attribute"), nullptr);
  EXPECT_EQ(FindPass(TTPipeline(), "no_such_pass"), nullptr);
}

}  // namespace
}  // namespace ttc
