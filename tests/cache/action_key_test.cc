// cache/action_key.h: what enters the action key and what does not.
#include "cache/action_key.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "cache/digest.h"
#include "ir/target.h"
#include "tests/testing.h"

namespace ttc::cache {
namespace {

constexpr char kBuildId[] = "ttc 0.1.0 (abc123)";
constexpr char kPipeline[] = "normalize,layout,lower,codegen";

ir::Target TargetOf(const std::string& preset, std::vector<int64_t> grid = {}) {
  v1::Target t;
  t.set_preset(preset);
  for (int64_t g : grid) t.add_grid(g);
  auto r = ir::ResolveTarget(t);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : ir::Target{};
}

v1::KernelRequest Request() { return testing::SimpleRequest({8, 8}, {256, 256}); }

ActionKey KeyOf(const v1::KernelRequest& req, const ir::Target& target = TargetOf("wormhole_b0"),
                const std::string& build_id = kBuildId, const std::string& pipeline = kPipeline) {
  return ComputeActionKey(req, target, build_id, pipeline);
}

// Sets line/column on every SourceLoc field ("loc") of every message reachable from `m`,
// creating them where absent. Returns how many were set.
int SetAllLocations(google::protobuf::Message* m, int* counter) {
  using google::protobuf::FieldDescriptor;
  const auto* desc = m->GetDescriptor();
  const auto* refl = m->GetReflection();
  int n = 0;
  for (int i = 0; i < desc->field_count(); ++i) {
    const FieldDescriptor* f = desc->field(i);
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_map()) continue;
    if (f->name() == "loc" && f->message_type()->name() == "SourceLoc") {
      google::protobuf::Message* loc = refl->MutableMessage(m, f);
      const auto* ld = loc->GetDescriptor();
      ++*counter;
      loc->GetReflection()->SetInt32(loc, ld->FindFieldByName("line"), 10 + *counter);
      loc->GetReflection()->SetInt32(loc, ld->FindFieldByName("column"), 3 + *counter % 7);
      ++n;
      continue;
    }
    if (f->is_repeated()) {
      for (int j = 0; j < refl->FieldSize(*m, f); ++j) n += SetAllLocations(refl->MutableRepeatedMessage(m, f, j), counter);
    } else if (refl->HasField(*m, f)) {
      n += SetAllLocations(refl->MutableMessage(m, f), counter);
    }
  }
  return n;
}

TEST(ActionKey, IdenticalRequestsIdenticalKeys) {
  const ActionKey a = KeyOf(Request());
  const ActionKey b = KeyOf(Request());
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.request_digest, b.request_digest);
  EXPECT_EQ(a.key.size(), 64u);
  EXPECT_TRUE(IsWellFormed(DigestOf("")));  // sanity
  v1::Digest as_digest;
  as_digest.set_hash(a.key);
  EXPECT_TRUE(IsWellFormed(as_digest)) << a.key;
  EXPECT_EQ(a.compiler_build_id, kBuildId);
  EXPECT_EQ(a.pipeline, kPipeline);
  EXPECT_EQ(a.target_fingerprint, TargetOf("wormhole_b0").Fingerprint());
  EXPECT_EQ(a.request_digest, Sha256Hex(CanonicalRequestBytes(Request())));
}

TEST(ActionKey, MapOrderDoesNotMatter) {
  v1::KernelRequest a = Request();
  v1::KernelRequest b = Request();
  (*a.mutable_layouts())["A"].set_memory("DRAM");
  (*a.mutable_layouts())["B"].set_memory("L1");
  (*b.mutable_layouts())["B"].set_memory("L1");
  (*b.mutable_layouts())["A"].set_memory("DRAM");
  EXPECT_EQ(CanonicalRequestBytes(a), CanonicalRequestBytes(b));
  EXPECT_EQ(KeyOf(a).key, KeyOf(b).key);
}

TEST(ActionKey, EachPartChangesTheKey) {
  const v1::KernelRequest base = Request();
  const ActionKey k = KeyOf(base);

  v1::KernelRequest shape = base;
  ASSERT_GT(shape.func().params_size(), 0);
  ASSERT_GT(shape.func().params(0).shape_size(), 0);
  shape.mutable_func()->mutable_params(0)->set_shape(0, shape.func().params(0).shape(0) * 2);
  const ActionKey k_shape = KeyOf(shape);
  EXPECT_NE(k_shape.request_digest, k.request_digest);
  EXPECT_NE(k_shape.key, k.key);

  const ActionKey k_build = KeyOf(base, TargetOf("wormhole_b0"), "ttc 0.1.0 (abc124)");
  EXPECT_EQ(k_build.request_digest, k.request_digest);
  EXPECT_NE(k_build.key, k.key);

  const ActionKey k_pipe = KeyOf(base, TargetOf("wormhole_b0"), kBuildId, "normalize,layout,lower");
  EXPECT_NE(k_pipe.key, k.key);
  const ActionKey k_opts = KeyOf(base, TargetOf("wormhole_b0"), kBuildId, std::string(kPipeline) + " opt=1");
  EXPECT_NE(k_opts.key, k.key);

  const ActionKey k_preset = KeyOf(base, TargetOf("blackhole"));
  EXPECT_NE(k_preset.target_fingerprint, k.target_fingerprint);
  EXPECT_NE(k_preset.key, k.key);

  const ActionKey k_grid = KeyOf(base, TargetOf("wormhole_b0", {4, 8}));
  EXPECT_NE(k_grid.target_fingerprint, k.target_fingerprint);
  EXPECT_NE(k_grid.key, k.key);

  // All distinct from each other too.
  const std::vector<std::string> keys = {k.key, k_shape.key, k_build.key, k_pipe.key, k_opts.key, k_preset.key, k_grid.key};
  for (size_t i = 0; i < keys.size(); ++i) {
    for (size_t j = i + 1; j < keys.size(); ++j) EXPECT_NE(keys[i], keys[j]) << i << " vs " << j;
  }
}

TEST(ActionKey, SourceLocationsDoNotChangeTheKey) {
  const v1::KernelRequest base = Request();
  v1::KernelRequest located = base;
  int counter = 0;
  const int set = SetAllLocations(&located, &counter);
  ASSERT_GT(set, 3) << "expected locations on the function, its params, grid and statements";
  ASSERT_GT(located.func().body_size(), 0);
  ASSERT_TRUE(located.func().body(0).has_loc());
  EXPECT_NE(located.SerializeAsString(), base.SerializeAsString());
  EXPECT_EQ(CanonicalRequestBytes(located), CanonicalRequestBytes(base));
  EXPECT_EQ(KeyOf(located).key, KeyOf(base).key);
  // Different locations, same key.
  v1::KernelRequest moved = base;
  int other = 100;
  SetAllLocations(&moved, &other);
  EXPECT_EQ(KeyOf(moved).key, KeyOf(located).key);
}

TEST(ActionKey, RequestTargetOnlyEntersThroughFingerprint) {
  const v1::KernelRequest base = Request();
  v1::KernelRequest with_target = base;
  with_target.mutable_target()->set_preset("blackhole");
  with_target.mutable_target()->add_grid(2);
  with_target.mutable_target()->add_grid(2);
  EXPECT_EQ(CanonicalRequestBytes(with_target), CanonicalRequestBytes(base));
  const ir::Target wh = TargetOf("wormhole_b0");
  EXPECT_EQ(KeyOf(with_target, wh).request_digest, KeyOf(base, wh).request_digest);
  EXPECT_EQ(KeyOf(with_target, wh).key, KeyOf(base, wh).key);
  // Resolved, the target does change the key.
  auto resolved = ir::ResolveTarget(with_target.target());
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_NE(KeyOf(with_target, *resolved).key, KeyOf(base, wh).key);
  EXPECT_EQ(KeyOf(with_target, *resolved).request_digest, KeyOf(base, wh).request_digest);
}

TEST(ActionKey, ExplainPrintsAllParts) {
  const ActionKey k = KeyOf(Request());
  const std::string text = ExplainActionKey(k);
  std::vector<std::string> lines = absl::StrSplit(text, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 5u) << text;
  EXPECT_TRUE(absl::StartsWith(lines[0], "request digest:")) << lines[0];
  EXPECT_TRUE(absl::StrContains(lines[0], k.request_digest)) << lines[0];
  EXPECT_TRUE(absl::StartsWith(lines[1], "compiler build id:")) << lines[1];
  EXPECT_TRUE(absl::StrContains(lines[1], kBuildId)) << lines[1];
  EXPECT_TRUE(absl::StartsWith(lines[2], "pipeline:")) << lines[2];
  EXPECT_TRUE(absl::StrContains(lines[2], kPipeline)) << lines[2];
  EXPECT_TRUE(absl::StartsWith(lines[3], "target fingerprint:")) << lines[3];
  EXPECT_TRUE(absl::StrContains(lines[3], k.target_fingerprint)) << lines[3];
  EXPECT_TRUE(absl::StartsWith(lines[4], "action key:")) << lines[4];
  EXPECT_TRUE(absl::StrContains(lines[4], k.key)) << lines[4];
  EXPECT_TRUE(absl::EndsWith(text, "\n"));
}

}  // namespace
}  // namespace ttc::cache
