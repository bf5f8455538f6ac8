// The contract between the six generated files (PASSES.md section 13), checked on every
// example request (examples/*.textproto, globbed at run time from the source tree) by
// parsing the generated text, not by trusting the generator's own data structures:
// - runtime arguments: each kernel reads exactly the indices 0..n-1 of its table in
//   plan.json, once each and under the table's names; the host's SetRuntimeArgs row for that
//   kernel passes exactly n values, in table order (w.<name> for per-core work, X->address()
//   for buffer X); kCoreWork has one row per plan.json core, same core and same values, and
//   the host's core range set covers exactly those cores;
// - circular buffers: the indices the kernels declare (`constexpr uint32_t cb_X = N;`) are
//   exactly those the host creates (CreateCircularBuffer ... {{N, ...}}) and those in
//   plan.json's circular_buffers, with the same buffer, size, page size and data format, and
//   each is used by the kernels its role says (input: reader + compute, output: compute +
//   writer, intermediate: compute only);
// - tensor accessors: each dataflow kernel chains TensorAccessorArgs<0>, then
//   <prev_args.next_compile_time_args_offset()>, in exactly the order the host appends
//   TensorAccessorArgs(*X) to that kernel's compile args, with X's address argument and
//   page size; the buffers accessed are the ones the table names;
// - determinism: compiling the same request twice gives byte-identical files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "codegen/emit_tt_kernels.h"
#include "ir/target.h"
#include "nlohmann/json.hpp"
#include "tests/testing.h"

namespace ttc {
namespace {

using nlohmann::json;

const std::vector<std::string> kRoles = {"reader", "compute", "writer"};

// examples/*.textproto, names without the extension, sorted.
std::vector<std::string> ExampleNames() {
  std::vector<std::string> out;
  const std::filesystem::path dir = std::filesystem::path(TTC_SOURCE_DIR) / "examples";
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".textproto") out.push_back(e.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every match of `re` in `text`, as its capture groups (group 0 = the whole match).
std::vector<std::vector<std::string>> AllMatches(const std::string& text, const std::string& re) {
  std::vector<std::vector<std::string>> out;
  const std::regex r(re);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), r); it != std::sregex_iterator(); ++it) {
    std::vector<std::string> groups;
    for (size_t i = 0; i < it->size(); ++i) groups.push_back((*it)[i].str());
    out.push_back(groups);
  }
  return out;
}

// The text between the first `begin` and the next `end` after it ("" when absent).
std::string Between(const std::string& text, const std::string& begin, const std::string& end) {
  const size_t b = text.find(begin);
  if (b == std::string::npos) return "";
  const size_t e = text.find(end, b + begin.size());
  if (e == std::string::npos) return "";
  return text.substr(b + begin.size(), e - b - begin.size());
}

// Comma-separated values inside an initializer list, trimmed; {} for an empty list.
std::vector<std::string> SplitValues(const std::string& list) {
  std::vector<std::string> out;
  if (absl::StripAsciiWhitespace(list).empty()) return out;
  for (absl::string_view v : absl::StrSplit(list, ',')) out.emplace_back(absl::StripAsciiWhitespace(v));
  return out;
}

class CodegenContract : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    // The host checks below read the classic API's buffer configs; the MeshDevice form is
    // checked by tests/codegen/mesh_host_api.test and validated for every example.
    request_ = testing::LoadExample(GetParam());
    request_.mutable_target()->set_api_dialect(ir::kClassicApiDialect);
    auto r = testing::CompileWith(request_);
    ASSERT_TRUE(r.ok()) << ::testing::PrintToString(testing::Errors(r));
    files_ = r.pipeline.artifacts;
    for (const std::string& name : ProgramFileNames()) {
      ASSERT_TRUE(files_.count(name)) << name << " was not generated";
    }
    plan_ = json::parse(files_.at("plan.json"), nullptr, /*allow_exceptions=*/false);
    ASSERT_FALSE(plan_.is_discarded()) << "plan.json is not JSON";
    ASSERT_TRUE(plan_.contains("kernels") && plan_.contains("cores") && plan_.contains("circular_buffers") &&
                plan_.contains("buffers") && plan_.contains("core_ranges"));
    host_ = files_.at("main.cpp");
  }

  const std::string& Kernel(const std::string& role) const { return files_.at(role + ".cpp"); }
  const json& Table(const std::string& role) const { return plan_["kernels"][role]["runtime_args"]; }

  // The values the host passes to `role`'s kernel, or nullopt when it sets none.
  std::optional<std::vector<std::string>> HostArgs(const std::string& role) const {
    std::optional<std::vector<std::string>> out;
    for (const auto& m : AllMatches(host_, R"(SetRuntimeArgs\(program, (\w+), core, \{([^}]*)\}\);)")) {
      if (m[1] != role) continue;
      EXPECT_FALSE(out.has_value()) << "two SetRuntimeArgs rows for " << role;
      out = SplitValues(m[2]);
    }
    return out;
  }

  v1::KernelRequest request_;  // the example, in the classic host API
  std::map<std::string, std::string> files_;
  json plan_;
  std::string host_;
};

TEST(CodegenContractExamples, AllExamplesAreFound) {
  EXPECT_THAT(ExampleNames(), ::testing::IsSupersetOf({"eltwise_add_256_bf16", "gemm_1024_bf16_block128",
                                                       "gemm_256_bf16", "gemm_l1_sharded", "gemm_manual_loops",
                                                       "kernel_1d", "kernel_3d", "matmul_100x100_fp32"}));
}

TEST_P(CodegenContract, PlanHasOneTablePerKernel) {
  ASSERT_EQ(plan_["kernels"].size(), 3u) << plan_["kernels"].dump();
  for (const std::string& role : kRoles) {
    ASSERT_TRUE(plan_["kernels"].contains(role)) << role;
    EXPECT_EQ(plan_["kernels"][role]["file"], role + ".cpp");
    EXPECT_TRUE(Table(role).is_array()) << role;
  }
}

TEST_P(CodegenContract, KernelArgumentIndicesMatchPlanTable) {
  for (const std::string& role : kRoles) {
    SCOPED_TRACE(role);
    const std::string& src = Kernel(role);
    const json& table = Table(role);
    // The table itself: indices 0..n-1 in order, each with a name and a known source.
    for (size_t i = 0; i < table.size(); ++i) {
      EXPECT_EQ(table[i]["index"], i) << table.dump();
      EXPECT_TRUE(table[i]["name"].is_string());
      EXPECT_THAT(table[i]["source"].get<std::string>(), ::testing::AnyOf("work", "buffer"));
    }
    // Every read of an argument is one named declaration; together they read 0..n-1 once each.
    const auto uses = AllMatches(src, R"(get_arg_val<uint32_t>\((\d+)\))");
    const auto decls = AllMatches(src, R"(const uint32_t (\w+) = get_arg_val<uint32_t>\((\d+)\);)");
    EXPECT_EQ(uses.size(), decls.size()) << "a runtime argument read outside a named declaration";
    std::map<size_t, std::string> by_index;
    for (const auto& d : decls) {
      const size_t i = std::stoul(d[2]);
      EXPECT_TRUE(by_index.emplace(i, d[1]).second) << "index " << i << " read twice";
      ASSERT_LT(i, table.size()) << "get_arg_val<uint32_t>(" << i << ") is not in the plan.json table "
                                 << table.dump();
      EXPECT_EQ(d[1], table[i]["name"].get<std::string>()) << "index " << i;
    }
    EXPECT_EQ(by_index.size(), table.size()) << "the kernel does not read every argument of its table";
  }
}

TEST_P(CodegenContract, HostRuntimeArgsFollowEachTable) {
  const std::vector<std::string> fields =
      SplitValues(Between(host_, "struct CoreWork {\n    uint32_t ", ";\n};"));
  ASSERT_GE(fields.size(), 2u);
  for (const std::string& role : kRoles) {
    SCOPED_TRACE(role);
    const json& table = Table(role);
    const auto args = HostArgs(role);
    if (table.empty()) {
      EXPECT_FALSE(args.has_value()) << "the host sets runtime args of a kernel that reads none";
      continue;
    }
    ASSERT_TRUE(args.has_value()) << "no SetRuntimeArgs for " << role;
    ASSERT_EQ(args->size(), table.size()) << "values per core passed by the host vs the kernel's table";
    for (size_t i = 0; i < table.size(); ++i) {
      const std::string name = table[i]["name"];
      if (table[i]["source"] == "buffer") {
        EXPECT_EQ((*args)[i], table[i]["buffer"].get<std::string>() + "->address()") << "argument " << i;
        EXPECT_TRUE(plan_["buffers"].contains(table[i]["buffer"].get<std::string>()));
      } else {
        EXPECT_EQ((*args)[i], "w." + name) << "argument " << i;
        EXPECT_THAT(fields, ::testing::Contains(name)) << "CoreWork has no field " << name;
      }
    }
  }
  // Kernels the host launches are exactly the three.
  EXPECT_EQ(AllMatches(host_, R"(CreateKernel\()").size(), 3u);
}

TEST_P(CodegenContract, CoreWorkRowsAreThePlanCores) {
  const std::vector<std::string> fields =
      SplitValues(Between(host_, "struct CoreWork {\n    uint32_t ", ";\n};"));
  ASSERT_GE(fields.size(), 2u);
  ASSERT_EQ(fields[0], "x");
  ASSERT_EQ(fields[1], "y");
  const std::string rows_text = Between(host_, "constexpr CoreWork kCoreWork[] = {\n", "};");
  const auto rows = AllMatches(rows_text, R"(    \{([0-9, ]*)\},)");
  const json& cores = plan_["cores"];
  ASSERT_EQ(rows.size(), cores.size()) << "kCoreWork rows vs plan.json cores";
  ASSERT_GT(cores.size(), 0u);
  std::set<std::pair<int64_t, int64_t>> seen;
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::vector<std::string> v = SplitValues(rows[i][1]);
    ASSERT_EQ(v.size(), fields.size()) << "row " << i;
    const int64_t x = std::stoll(v[0]), y = std::stoll(v[1]);
    EXPECT_EQ(cores[i]["core"], json({y, x})) << "row " << i << " (plan.json cores are [y, x])";
    EXPECT_TRUE(seen.insert({y, x}).second) << "core (" << x << ", " << y << ") twice";
    for (size_t f = 2; f < fields.size(); ++f) {
      ASSERT_TRUE(cores[i].contains(fields[f])) << fields[f];
      EXPECT_EQ(std::stoll(v[f]), cores[i][fields[f]].get<int64_t>()) << "row " << i << " " << fields[f];
    }
  }
  // The launch's core range set covers exactly these cores, and matches plan.json.
  const std::string set_text = Between(host_, "const CoreRangeSet cores(std::set<CoreRange>{\n", "});");
  std::set<std::pair<int64_t, int64_t>> covered;
  std::vector<int64_t> flat;
  for (const auto& m : AllMatches(set_text, R"(CoreRange\(CoreCoord\{(\d+), (\d+)\}, CoreCoord\{(\d+), (\d+)\}\))")) {
    const int64_t x0 = std::stoll(m[1]), y0 = std::stoll(m[2]), x1 = std::stoll(m[3]), y1 = std::stoll(m[4]);
    flat.insert(flat.end(), {y0, x0, y1, x1});
    for (int64_t y = y0; y <= y1; ++y) {
      for (int64_t x = x0; x <= x1; ++x) EXPECT_TRUE(covered.insert({y, x}).second) << "overlapping ranges";
    }
  }
  EXPECT_EQ(covered, seen);
  EXPECT_EQ(plan_["core_ranges"], json(flat));
}

TEST_P(CodegenContract, CircularBuffersAgreeAcrossKernelsHostAndPlan) {
  // plan.json
  std::map<int64_t, json> plan_cbs;
  for (const json& cb : plan_["circular_buffers"]) {
    EXPECT_TRUE(plan_cbs.emplace(cb["cb_id"].get<int64_t>(), cb).second) << cb.dump();
  }
  // host
  std::map<int64_t, std::vector<std::string>> host_cbs;
  const auto created = AllMatches(host_, R"(CreateCircularBuffer\(program, cores, CircularBufferConfig\((\d+), )"
                                         R"(\{\{(\d+), tt::DataFormat::(\w+)\}\}\)\.set_page_size\((\d+), (\d+)\)\);)"
                                         R"(  // (\w+), (\w+))");
  EXPECT_EQ(created.size(), AllMatches(host_, R"(CreateCircularBuffer\()").size()) << "unparsed CreateCircularBuffer";
  for (const auto& m : created) {
    const int64_t id = std::stoll(m[2]);
    EXPECT_TRUE(host_cbs.emplace(id, m).second) << "c_" << id << " created twice";
    EXPECT_EQ(m[4], m[2]) << "set_page_size index";
    auto it = plan_cbs.find(id);
    if (it == plan_cbs.end()) continue;
    const json& cb = it->second;
    EXPECT_EQ(std::stoll(m[1]), cb["num_pages"].get<int64_t>() * cb["page_size"].get<int64_t>()) << "c_" << id;
    EXPECT_EQ(std::stoll(m[5]), cb["page_size"].get<int64_t>()) << "c_" << id;
    EXPECT_EQ(m[3], cb["data_format"].get<std::string>()) << "c_" << id;
    EXPECT_EQ(m[6], cb["buffer"].get<std::string>()) << "c_" << id;
    EXPECT_EQ(m[7], cb["role"].get<std::string>()) << "c_" << id;
  }
  // kernels
  std::set<int64_t> kernel_ids;
  std::map<int64_t, std::set<std::string>> users;
  for (const std::string& role : kRoles) {
    for (const auto& m : AllMatches(Kernel(role), R"(constexpr uint32_t cb_(\w+) = (\d+);)")) {
      const int64_t id = std::stoll(m[2]);
      kernel_ids.insert(id);
      users[id].insert(role);
      auto it = plan_cbs.find(id);
      ASSERT_NE(it, plan_cbs.end()) << role << " declares cb_" << m[1] << " = " << id << ", not in plan.json";
      EXPECT_EQ(m[1], it->second["buffer"].get<std::string>()) << role << ": c_" << id << " carries another buffer";
    }
  }
  std::set<int64_t> host_ids, plan_ids;
  for (const auto& [id, m] : host_cbs) host_ids.insert(id);
  for (const auto& [id, cb] : plan_cbs) plan_ids.insert(id);
  EXPECT_EQ(kernel_ids, host_ids) << "CB indices used by kernels vs created by the host";
  EXPECT_EQ(plan_ids, host_ids) << "CB indices in plan.json vs created by the host";
  // Each CB is used by the kernels its role says, and its index is in the role's range.
  for (const auto& [id, cb] : plan_cbs) {
    const std::string role = cb["role"];
    std::set<std::string> want;
    if (role == "input") {
      want = {"reader", "compute"};
      EXPECT_TRUE(id >= 0 && id <= 7) << id;
    } else if (role == "output") {
      want = {"compute", "writer"};
      EXPECT_TRUE(id >= 16 && id <= 23) << id;
    } else {
      EXPECT_EQ(role, "intermediate");
      want = {"compute"};
      EXPECT_TRUE(id >= 24 && id <= 31) << id;
    }
    EXPECT_EQ(users[id], want) << "c_" << id << " (" << role << ")";
  }
}

TEST_P(CodegenContract, TensorAccessorsMatchHostCompileArgs) {
  for (const std::string& role : kRoles) {
    SCOPED_TRACE(role);
    const std::string& src = Kernel(role);
    const auto args = AllMatches(src, R"(constexpr auto s_(\w+)_args = TensorAccessorArgs<([^\n]*)>\(\);)");
    std::vector<std::string> host_order;
    for (const auto& m : AllMatches(host_, R"(TensorAccessorArgs\(\*(\w+)\)\.append_to\((\w+)_compile_args\);)")) {
      if (m[2] == role) host_order.push_back(m[1]);
    }
    std::vector<std::string> kernel_order;
    std::string prev;
    for (const auto& m : args) {
      const std::string x = m[1];
      kernel_order.push_back(x);
      EXPECT_EQ(m[2], prev.empty() ? "0" : "s_" + prev + "_args.next_compile_time_args_offset()") << x;
      prev = x;
      // TensorAccessor(args, X_addr, page bytes), with X's page size from plan.json.
      const auto acc = AllMatches(src, "const auto s_" + x + R"( = TensorAccessor\(s_(\w+)_args, (\w+), (\w+)\);)");
      ASSERT_EQ(acc.size(), 1u) << x;
      EXPECT_EQ(acc[0][1], x);
      EXPECT_EQ(acc[0][2], x + "_addr");
      EXPECT_EQ(acc[0][3], x + "_page_bytes");
      const auto page = AllMatches(src, "constexpr uint32_t " + x + R"(_page_bytes = (\d+);)");
      ASSERT_EQ(page.size(), 1u) << x;
      ASSERT_TRUE(plan_["buffers"].contains(x)) << x;
      EXPECT_EQ(std::stoll(page[0][1]), plan_["buffers"][x]["page_size"].get<int64_t>()) << x;
    }
    EXPECT_EQ(AllMatches(src, R"(TensorAccessor\()").size(), kernel_order.size()) << "unparsed TensorAccessor";
    EXPECT_EQ(kernel_order, host_order) << "accessor order in " << role << ".cpp vs host compile args";
    // The buffers accessed are exactly the buffer arguments of the table, in the same order.
    std::vector<std::string> table_buffers;
    for (const json& a : Table(role)) {
      if (a["source"] == "buffer") table_buffers.push_back(a["buffer"]);
    }
    EXPECT_EQ(kernel_order, table_buffers);
    if (role == "compute") {
      EXPECT_TRUE(kernel_order.empty());
    }
  }
  // Inputs are read by the reader, outputs written by the writer.
  for (const auto& [name, b] : plan_["buffers"].items()) {
    const std::string acc = "const auto s_" + name + " = ";
    EXPECT_EQ(Kernel("reader").find(acc) != std::string::npos, b["input"].get<bool>()) << name;
    EXPECT_EQ(Kernel("writer").find(acc) != std::string::npos, b["output"].get<bool>()) << name;
  }
}

TEST_P(CodegenContract, HostBuffersMatchPlan) {
  for (const auto& [name, b] : plan_["buffers"].items()) {
    const auto m = AllMatches(host_, "const (?:Interleaved|Sharded)BufferConfig " + name +
                                         R"(_config\{\.device = device, \.size = (\d+), \.page_size = (\d+), )");
    ASSERT_EQ(m.size(), 1u) << name;
    EXPECT_EQ(std::stoll(m[0][1]), b["num_pages"].get<int64_t>() * b["page_size"].get<int64_t>()) << name;
    EXPECT_EQ(std::stoll(m[0][2]), b["page_size"].get<int64_t>()) << name;
    EXPECT_EQ(host_.find("CreateBuffer(" + name + "_config)") != std::string::npos, true) << name;
    EXPECT_EQ(host_.find("ReadInput(inputs, \"" + name + "\"") != std::string::npos, b["input"].get<bool>()) << name;
    EXPECT_EQ(host_.find("WriteOutput(outputs, \"" + name + "\"") != std::string::npos, b["output"].get<bool>())
        << name;
  }
}

TEST_P(CodegenContract, CompilingTwiceGivesIdenticalFiles) {
  auto again = testing::CompileWith(request_);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again.pipeline.artifacts.size(), files_.size());
  for (const auto& [name, text] : files_) {
    ASSERT_TRUE(again.pipeline.artifacts.count(name)) << name;
    EXPECT_TRUE(again.pipeline.artifacts.at(name) == text) << name << " differs between two compiles";
  }
}

INSTANTIATE_TEST_SUITE_P(Examples, CodegenContract, ::testing::ValuesIn(ExampleNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace ttc
