// Every examples/*.py compiles to the request of its examples/*.textproto (same stem): equal
// protos once source locations are cleared, so the action keys are equal too; and the IR
// of every example printed as script (ir::PrintScript) parses back to a structurally equal IR.
#include <filesystem>
#include <string>
#include <vector>

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "frontend/load.h"
#include "ir/printer.h"
#include "ir/proto_convert.h"
#include "ir/request_io.h"
#include "ir/structural_equal.h"

namespace ttc {
namespace {

namespace fs = std::filesystem;

// Clears every ttc.v1.SourceLoc field, recursively.
void ClearLocs(google::protobuf::Message* m) {
  const auto* refl = m->GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  refl->ListFields(*m, &fields);
  for (const auto* f : fields) {
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->message_type() == v1::SourceLoc::descriptor()) {
      refl->ClearField(m, f);
    } else if (f->is_repeated()) {
      for (int i = 0; i < refl->FieldSize(*m, f); ++i) ClearLocs(refl->MutableRepeatedMessage(m, f, i));
    } else {
      ClearLocs(refl->MutableMessage(m, f));
    }
  }
}

std::vector<std::string> ExampleStems(const char* ext) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(fs::path(TTC_SOURCE_DIR) / "examples")) {
    if (e.path().extension() == ext) out.push_back(e.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Example(const std::string& stem, const char* ext) {
  return (fs::path(TTC_SOURCE_DIR) / "examples" / (stem + ext)).string();
}

TEST(FrontendExamples, EveryTextprotoHasAScriptTwin) {
  std::vector<std::string> stems = ExampleStems(".textproto");
  ASSERT_GE(stems.size(), 8u);
  for (const std::string& stem : stems) {
    SCOPED_TRACE(stem);
    ASSERT_TRUE(fs::exists(Example(stem, ".py"))) << "missing examples/" << stem << ".py";
    auto script = frontend::LoadKernelRequest(Example(stem, ".py"), {});
    ASSERT_TRUE(script.ok()) << script.status().message();
    auto text = ir::ReadRequestFile(Example(stem, ".textproto"));
    ASSERT_TRUE(text.ok()) << text.status();
    v1::KernelRequest got = *script;
    ClearLocs(&got);
    std::string diff;
    google::protobuf::util::MessageDifferencer d;
    d.ReportDifferencesToString(&diff);
    EXPECT_TRUE(d.Compare(*text, got)) << diff;
    // And the IR, through the converter.
    auto a = ir::FromProto(*text);
    auto b = ir::FromProto(*script);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_TRUE(ir::StructuralEqual(a->func, b->func));
  }
}

TEST(FrontendExamples, AnnotationsCarryTheirLineAndColumn) {
  auto req = frontend::LoadKernelRequest(Example("gemm_l1_sharded", ".py"), {});
  ASSERT_TRUE(req.ok()) << req.status().message();
  const v1::SourceLoc& key = req->layouts().at("A").loc();  // the "A" of annotate_tt_layout's dict
  EXPECT_EQ(key.line(), 23);
  EXPECT_EQ(key.column(), 5);
  auto unit = ir::FromProto(*req);
  ASSERT_TRUE(unit.ok()) << unit.status();
  EXPECT_EQ(unit->func.layout_locs.at("A").ToString(), "23:5");
}

TEST(FrontendExamples, ScriptNodesCarryLineAndColumn) {
  auto req = frontend::LoadKernelRequest(Example("gemm_256_bf16", ".py"), {});
  ASSERT_TRUE(req.ok()) << req.status().message();
  EXPECT_GT(req->func().loc().line(), 0);
  EXPECT_GT(req->func().grid().loc().line(), 0);
  for (const v1::Stmt& s : req->func().body()) EXPECT_GT(s.loc().line(), 0) << s.ShortDebugString();
}

// Round trip: for every example, PrintScript(IR) parses back to a structurally equal IR.
TEST(FrontendRoundTrip, PrintedScriptParsesBackToTheSameIR) {
  for (const char* ext : {".textproto", ".py"}) {
    for (const std::string& stem : ExampleStems(ext)) {
      SCOPED_TRACE(stem + ext);
      auto req = frontend::LoadKernelRequest(Example(stem, ext), {});
      ASSERT_TRUE(req.ok()) << req.status().message();
      auto unit = ir::FromProto(*req);
      ASSERT_TRUE(unit.ok()) << unit.status();
      const std::string script = ir::PrintScript(unit->func);
      auto back = frontend::ParseTileLangScript(script, stem + ".printed.py", {});
      ASSERT_TRUE(back.ok()) << back.status().message() << "\n" << script;
      auto again = ir::FromProto(*back);
      ASSERT_TRUE(again.ok()) << again.status();
      EXPECT_TRUE(ir::StructuralEqual(unit->func, again->func)) << script << "\n---\n"
                                                                << ir::PrintScript(again->func);
      EXPECT_EQ(script, ir::PrintScript(again->func));
    }
  }
}

}  // namespace
}  // namespace ttc
