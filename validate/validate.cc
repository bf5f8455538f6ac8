#include "validate/validate.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/sha256.h"
#include "common/shell.h"
#include "emu/formats.h"
#include "emu/reference_interpreter.h"
#include "validate/build_cache.h"

namespace ttc {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

fs::path CacheRoot() {
  if (const char* d = std::getenv("TTC_EMU_CACHE_DIR")) return fs::path(d);
  if (const char* x = std::getenv("XDG_CACHE_HOME")) return fs::path(x) / "ttc" / "emu-kernels";
  const char* home = std::getenv("HOME");
  return fs::path(home ? home : "/tmp") / ".cache" / "ttc" / "emu-kernels";
}

// The emulator's headers and library: $TTC_EMU_INCLUDE_DIR / $TTC_EMU_LIB_DIR, else the build
// tree's (a developer build), else next to the installed executable (the Debian package:
// ../share/ttc/emu/include and ../lib/ttc).
fs::path ExeDir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path(".") : exe.parent_path();
}

std::string EmuIncludeDir() {
  if (const char* d = std::getenv("TTC_EMU_INCLUDE_DIR"); d && *d) return d;
  if (fs::exists(TTC_EMU_INCLUDE_DIR)) return TTC_EMU_INCLUDE_DIR;
  return (ExeDir() / ".." / "share" / "ttc" / "emu" / "include").lexically_normal().string();
}

std::string EmuLibDir() {
  if (const char* d = std::getenv("TTC_EMU_LIB_DIR"); d && *d) return d;
  if (fs::exists(fs::path(TTC_EMU_LIB_DIR) / "libttc_emu.so")) return TTC_EMU_LIB_DIR;
  return (ExeDir() / ".." / "lib" / "ttc").lexically_normal().string();
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Tolerances per dtype (docs/validation.md).
struct Tolerance {
  double rel;      // max |out - ref| allowed, relative to max |ref|
  double min_pcc;
};
Tolerance ToleranceFor(const std::string& dtype) {
  if (dtype == "bfloat16") return {0.02, 0.999};
  if (dtype == "float16") return {0.005, 0.9999};
  if (dtype == "float32") return {1e-4, 0.99999};
  return {0.0, 1.0};  // integers: exact
}

// Element bytes <-> values of a dtype as the program's .bin files hold them.
absl::StatusOr<std::string> Encode(const std::vector<double>& v, const std::string& dtype) {
  std::string out;
  auto put = [&](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); };
  for (double x : v) {
    if (dtype == "bfloat16") {
      uint16_t b = emu::FloatToBf16(static_cast<float>(x));
      put(&b, 2);
    } else if (dtype == "float16") {
      uint16_t h = emu::FloatToHalf(static_cast<float>(x));
      put(&h, 2);
    } else if (dtype == "float32") {
      float f = static_cast<float>(x);
      put(&f, 4);
    } else if (dtype == "int32") {
      int32_t i = static_cast<int32_t>(x);
      put(&i, 4);
    } else if (dtype == "uint32") {
      uint32_t i = static_cast<uint32_t>(x);
      put(&i, 4);
    } else {
      return absl::UnimplementedError("validation does not generate " + dtype + " data");
    }
  }
  return out;
}

absl::StatusOr<std::vector<double>> Decode(const std::string& bytes, const std::string& dtype, int64_t n) {
  const size_t width = dtype == "bfloat16" || dtype == "float16" ? 2 : 4;
  if (bytes.size() != width * n) {
    return absl::DataLossError(absl::StrCat("output has ", bytes.size(), " bytes, expected ", width * n));
  }
  std::vector<double> out(n);
  for (int64_t i = 0; i < n; ++i) {
    const char* p = bytes.data() + i * width;
    uint16_t h = 0;
    uint32_t w = 0;
    if (width == 2) std::memcpy(&h, p, 2); else std::memcpy(&w, p, 4);
    if (dtype == "bfloat16") out[i] = emu::Bf16ToFloat(h);
    else if (dtype == "float16") out[i] = emu::HalfToFloat(h);
    else if (dtype == "float32") { float f; std::memcpy(&f, &w, 4); out[i] = f; }
    else if (dtype == "int32") out[i] = static_cast<int32_t>(w);
    else out[i] = w;
  }
  return out;
}

OutputReport Compare(const std::string& name, const std::string& dtype, const std::vector<double>& out,
                     const std::vector<double>& ref) {
  OutputReport r;
  r.buffer = name;
  r.dtype = dtype;
  r.elements = static_cast<int64_t>(ref.size());
  double so = 0, sr = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    so += out[i];
    sr += ref[i];
  }
  const double mo = so / ref.size(), mr = sr / ref.size();
  double cov = 0, vo = 0, vr = 0;
  bool finite = true;
  for (size_t i = 0; i < ref.size(); ++i) {
    const double d = std::fabs(out[i] - ref[i]);
    finite &= std::isfinite(out[i]);
    r.max_abs_err = std::max(r.max_abs_err, d);
    r.max_rel_err = std::max(r.max_rel_err, d / std::max(std::fabs(ref[i]), 1e-6));
    r.max_abs_ref = std::max(r.max_abs_ref, std::fabs(ref[i]));
    cov += (out[i] - mo) * (ref[i] - mr);
    vo += (out[i] - mo) * (out[i] - mo);
    vr += (ref[i] - mr) * (ref[i] - mr);
  }
  r.pcc = vo == 0 && vr == 0 ? (r.max_abs_err == 0 ? 1.0 : 0.0) : cov / std::sqrt(vo * vr);
  const Tolerance t = ToleranceFor(dtype);
  r.tolerance = t.rel * std::max(r.max_abs_ref, 1e-6);
  r.min_pcc = t.min_pcc;
  r.pass = finite && r.max_abs_err <= r.tolerance && (r.pcc >= t.min_pcc || r.max_abs_err == 0);
  return r;
}



// The host program compiled with g++ against the emulator's headers and library (and fmt,
// which TT-Metalium's host headers use, as TT::Metalium links it), cached locally by the
// digest of the program's files (the same program is built once) and, with a BuildCache,
// shared with the fleet: the host build is looked up by its recipe before it is built, and
// the kernels its run used are fetched into the emulator's kernel cache before the run. The
// program runs in its own directory (TTC_KERNEL_DIR "."), so the binary does not depend on
// where it was built and one build serves every agent.
class EmulatorRunner : public ProgramRunner {
 public:
  explicit EmulatorRunner(validate::BuildCache* builds) : builds_(builds) {}
  ~EmulatorRunner() override {
    if (taken_) PutHostBuild({});  // built but never run: share the build, without a kernel list
  }
  std::string name() const override { return "emulator"; }
  BuildSummary summary() const override { return summary_; }

  absl::Status Build(const std::map<std::string, std::string>& files) override {
    std::string all;
    for (const auto& [name, text] : files) all += name + "\n" + text + "\n";
    program_ = CacheRoot() / "programs" / Sha256Hex(all);
    exe_ = program_ / "main.emu";
    const std::vector<std::string> flags = {"-std=c++20", "-O1", "-I" + EmuIncludeDir(), "-DTTC_KERNEL_DIR=\".\"",
                                            "main.cpp", "-L" + EmuLibDir(), "-lttc_emu", "-lfmt",
                                            "-Wl,-rpath," + EmuLibDir()};
    if (files.count("main.cpp")) {
      // The host build's key: everything the binary depends on (memoized but the source's digest).
      recipe_.tier = "host_build";
      recipe_.Add("backend", "emulator");
      recipe_.Add("source main.cpp sha256", Sha256Hex(files.at("main.cpp")));
      recipe_.Add("compiler", validate::ToolIdentity("g++"));
      for (const std::string& f : flags) recipe_.Add("flag", f);
      recipe_.Add("emulator headers sha256", validate::TreeDigest(EmuIncludeDir()));
      recipe_.Add("emulator library sha256", validate::FileDigest(EmuLibDir() + "/libttc_emu.so"));
      summary_.recipes.push_back(recipe_);
    }
    if (fs::exists(exe_)) {
      summary_.host_build = "local cache";
      return absl::OkStatus();
    }
    std::optional<std::map<std::string, std::string>> cached;
    if (builds_ != nullptr && files.count("main.cpp")) {
      cached = builds_->Get(recipe_, /*take=*/true);
      taken_ = !cached.has_value();
      if (cached && !cached->count("main.emu")) cached.reset();
    }
    // Build (or place the fleet's build) in a private directory, then publish it with one
    // rename; a concurrent validation of the same program either wins the rename or finds
    // the finished directory.
    const fs::path staging = program_.string() + absl::StrCat(".", getpid(), ".staging");
    fs::remove_all(staging);
    fs::create_directories(staging);
    for (const auto& [name, text] : files) std::ofstream(staging / name, std::ios::binary) << text;
    if (cached) {
      std::ofstream(staging / "main.emu", std::ios::binary) << cached->at("main.emu");
      fs::permissions(staging / "main.emu", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                                fs::perms::others_read | fs::perms::others_exec);
      summary_.host_build = "ttcd";
      if (auto k = cached->find("kernels.txt"); k != cached->end()) FetchKernels(k->second);
    } else {
      const fs::path log = staging / "build.log";
      std::string cmd = "cd " + ShellQuote(staging.string()) + " && g++";
      for (const std::string& f : flags) cmd += " " + ShellQuote(f);
      cmd += " -o main.emu > build.log 2>&1";
      if (std::system(cmd.c_str()) != 0) {
        const std::string out = ReadAll(log);
        fs::remove_all(staging);
        if (taken_) builds_->Abandon(recipe_);
        taken_ = false;
        return absl::InternalError("building the host program against the emulator failed:\n" + out);
      }
      fs::remove(log);
      summary_.host_build = "built";
    }
    std::error_code ec;
    fs::create_directories(program_.parent_path(), ec);
    fs::rename(staging, program_, ec);
    if (ec) fs::remove_all(staging);  // another validation published the same program first
    if (!fs::exists(exe_)) return absl::InternalError("cannot publish the host program into " + program_.string());
    return absl::OkStatus();
  }

  int Run(const std::string& inputs, const std::string& outputs, std::string* log) override {
    // The program's kernels are built by the emulator library with the same headers; it
    // records each kernel it built or found in its cache in TTC_EMU_BUILD_LOG.
    const fs::path log_file = fs::path(outputs).parent_path() / "run.log";
    const fs::path build_log = fs::path(outputs).parent_path() / "kernel-builds.log";
    const std::string run = absl::StrCat("cd ", ShellQuote(program_.string()), " && TTC_EMU_INCLUDE_DIR=",
                                         ShellQuote(EmuIncludeDir()), " TTC_EMU_BUILD_LOG=", ShellQuote(build_log.string()),
                                         " ./main.emu --inputs ", ShellQuote(inputs), " --outputs ", ShellQuote(outputs), " > ",
                                         ShellQuote(log_file.string()), " 2>&1");
    const int rc = std::system(run.c_str());
    *log = ReadAll(log_file);
    ShareKernels(ReadAll(build_log));
    return rc;
  }

 private:
  // Places the kernels of `list` (one emulator kernel key per line) that the local cache
  // lacks into it from the fleet: verified bytes, written whole before the rename.
  void FetchKernels(const std::string& list) {
    std::istringstream in(list);
    std::string key;
    while (std::getline(in, key)) {
      if (key.size() != 64 || fs::exists(CacheRoot() / (key + ".so"))) continue;
      auto got = builds_->Get(validate::KernelBuildRecipe(key, ""), /*take=*/false);
      if (!got || !got->count("kernel.so")) continue;
      fs::create_directories(CacheRoot());
      const fs::path tmp = CacheRoot() / absl::StrCat(key, ".so.", getpid(), ".fetched");
      std::ofstream(tmp, std::ios::binary) << got->at("kernel.so");
      std::error_code ec;
      fs::rename(tmp, CacheRoot() / (key + ".so"), ec);
      if (ec) fs::remove(tmp, ec);
      else ++summary_.kernels_fetched;
    }
  }
  // Uploads the kernels this run built (lines "<key> built" of the emulator's build log) and,
  // when this runner took the host build, every kernel the run used and the host build with
  // the list of them.
  void ShareKernels(const std::string& build_log) {
    std::istringstream in(build_log);
    std::string key, how, kernels;
    while (in >> key >> how) {
      if (key.size() != 64) continue;
      const validate::BuildRecipe recipe = validate::KernelBuildRecipe(key, ReadAll(CacheRoot() / (key + ".recipe")));
      if (kernels.find(key) == std::string::npos) {
        kernels += key + "\n";
        summary_.recipes.push_back(recipe);
      }
      if (how == "built") ++summary_.kernels_built;
      // What this run built, and, when the fleet did not know this program, every kernel it
      // used (some may have come from the local cache only).
      if (how != "built" && !taken_) continue;
      const std::string so = builds_ != nullptr ? ReadAll(CacheRoot() / (key + ".so")) : "";
      if (!so.empty()) builds_->Put(recipe, {{"kernel.so", so}});
    }
    if (taken_) PutHostBuild(kernels);
  }
  void PutHostBuild(const std::string& kernels) {
    taken_ = false;
    const std::string exe = fs::exists(exe_) ? ReadAll(exe_) : "";
    if (exe.empty()) return builds_->Abandon(recipe_);
    builds_->Put(recipe_, {{"main.emu", exe}, {"kernels.txt", kernels}});
  }

  validate::BuildCache* builds_;
  validate::BuildRecipe recipe_;
  bool taken_ = false;  // this runner took the host build: it must Put or Abandon it
  BuildSummary summary_;
  fs::path program_, exe_;
};

// The generated CMakeLists.txt configured against a TT-Metalium package and built with CMake.
class CMakeRunner : public ProgramRunner {
 public:
  explicit CMakeRunner(std::string home) : home_(std::move(home)) {}
  ~CMakeRunner() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  std::string name() const override { return "metalium"; }
  absl::Status Build(const std::map<std::string, std::string>& files) override {
    char tmpl[] = "/tmp/ttc-metalium-XXXXXX";
    if (!mkdtemp(tmpl)) return absl::InternalError("cannot create a temporary directory");
    dir_ = tmpl;
    const fs::path src = dir_ / "program", build = dir_ / "build", log = dir_ / "build.log";
    fs::create_directories(src);
    for (const auto& [name, text] : files) std::ofstream(src / name, std::ios::binary) << text;
    const std::string prefix = absl::StrCat(home_, ";", home_, "/build");
    const std::string cmd = absl::StrCat(
        "cmake -S ", ShellQuote(src.string()), " -B ", ShellQuote(build.string()), " -DCMAKE_BUILD_TYPE=Release ",
        ShellQuote("-DCMAKE_PREFIX_PATH=" + prefix), " > ", ShellQuote(log.string()), " 2>&1 && cmake --build ",
        ShellQuote(build.string()), " -j 2 >> ", ShellQuote(log.string()), " 2>&1");
    if (std::system(cmd.c_str()) != 0) {
      return absl::InternalError(absl::StrCat("building the host program with CMake against TT-Metalium at ", home_,
                                              " failed:\n", ReadAll(log)));
    }
    exe_ = build / "main";
    return absl::OkStatus();
  }
  int Run(const std::string& inputs, const std::string& outputs, std::string* log) override {
    const fs::path log_file = fs::path(outputs).parent_path() / "run.log";
    const std::string run = absl::StrCat("cd ", ShellQuote(home_), " && TT_METAL_HOME=", ShellQuote(home_), " ",
                                         ShellQuote(exe_.string()), " --inputs ", ShellQuote(inputs), " --outputs ",
                                         ShellQuote(outputs), " > ", ShellQuote(log_file.string()), " 2>&1");
    const int rc = std::system(run.c_str());
    *log = ReadAll(log_file);
    return rc;
  }

 private:
  std::string home_;
  fs::path dir_, exe_;
};

}  // namespace

std::unique_ptr<ProgramRunner> MakeCMakeRunner(std::string metal_home) {
  return std::make_unique<CMakeRunner>(std::move(metal_home));
}

absl::StatusOr<ValidationReport> ValidateOnEmulator(const ir::PrimFunc& source,
                                                    const std::map<std::string, std::string>& files, uint64_t seed,
                                                    validate::BuildCache* builds) {
  EmulatorRunner runner(builds);
  return ValidateProgram(source, files, seed, runner);
}

absl::StatusOr<ValidationReport> ValidateProgram(const ir::PrimFunc& source,
                                                 const std::map<std::string, std::string>& files, uint64_t seed,
                                                 ProgramRunner& runner) {
  ValidationReport report;
  report.seed = seed;
  report.backend = runner.name();
  const nlohmann::json plan = nlohmann::json::parse(files.at("plan.json"));
  auto t0 = Clock::now();
  if (absl::Status built = runner.Build(files); !built.ok()) return built;
  report.build_seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  // Inputs from the seed, rounded to each buffer's dtype.
  const fs::path work = fs::temp_directory_path() / absl::StrCat("ttc-validate-", getpid(), "-", seed);
  fs::remove_all(work);
  fs::create_directories(work / "in");
  fs::create_directories(work / "out");
  emu::BufferValues inputs;
  for (const ir::Buffer& b : source.params) {
    const nlohmann::json& entry = plan["buffers"][b->name];
    const std::string dtype = entry["dtype"].get<std::string>();
    std::vector<double> v(b->NumElements(), 0.0);
    if (entry["input"].get<bool>()) {
      std::mt19937_64 rng(seed * 1000003u + std::hash<std::string>{}(b->name));
      const bool is_float = b->dtype.is_float();
      std::uniform_real_distribution<double> real(-1.0, 1.0);
      std::uniform_int_distribution<int> integer(-8, 8);
      auto fmt = emu::DataFormatFromName(b->dtype.tt_data_format);
      for (double& x : v) {
        x = is_float ? real(rng) : integer(rng);
        if (fmt) x = emu::RoundDoubleToDtype(x, *fmt);
      }
      auto bytes = Encode(v, dtype);
      if (!bytes.ok()) return bytes.status();
      std::ofstream(work / "in" / (b->name + ".bin"), std::ios::binary) << *bytes;
    }
    inputs[b->name] = std::move(v);
  }
  auto ref = emu::RunReference(source, inputs);
  if (!ref.ok()) return absl::InternalError(absl::StrCat("reference interpreter: ", ref.status().message()));

  t0 = Clock::now();
  std::string log;
  const int rc = runner.Run((work / "in").string(), (work / "out").string(), &log);
  report.run_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  report.builds = runner.summary();
  if (rc != 0) {
    report.error = log;
    if (report.error.empty()) report.error = absl::StrCat("the program exited with status ", rc);
    fs::remove_all(work);
    return report;
  }
  bool pass = true;
  for (const ir::Buffer& b : source.params) {
    const nlohmann::json& entry = plan["buffers"][b->name];
    if (!entry["output"].get<bool>()) continue;
    const std::string dtype = entry["dtype"].get<std::string>();
    auto out = Decode(ReadAll(work / "out" / (b->name + ".bin")), dtype, b->NumElements());
    if (!out.ok()) {
      report.error = absl::StrCat("output '", b->name, "': ", out.status().message());
      pass = false;
      continue;
    }
    report.outputs.push_back(Compare(b->name, dtype, *out, ref->at(b->name)));
    pass &= report.outputs.back().pass;
  }
  fs::remove_all(work);
  report.pass = pass && !report.outputs.empty();
  return report;
}

std::string FormatReport(const ValidationReport& r) {
  std::string out = absl::StrFormat("validation on %s (seed %d): host build %.2f s, run %.2f s\n", r.backend, r.seed,
                                    r.build_seconds, r.run_seconds);
  if (!r.error.empty()) absl::StrAppend(&out, "  the program failed:\n    ", r.error, "\n");
  for (const OutputReport& o : r.outputs) {
    absl::StrAppend(&out, absl::StrFormat(
                              "  %-10s %-8s %8d elements  max abs err %.3g (allowed %.3g)  max rel err %.3g  "
                              "PCC %.6f (min %.6f)  %s\n",
                              o.buffer, o.dtype, o.elements, o.max_abs_err, o.tolerance, o.max_rel_err, o.pcc,
                              o.min_pcc, o.pass ? "ok" : "MISMATCH"));
  }
  absl::StrAppend(&out, r.pass ? "PASS\n" : "FAIL\n");
  return out;
}

std::string ReportJson(const ValidationReport& r) {
  nlohmann::json j = {{"backend", r.backend}, {"seed", r.seed}, {"pass", r.pass},
                      {"build_seconds", r.build_seconds}, {"run_seconds", r.run_seconds}};
  if (!r.error.empty()) j["error"] = r.error;
  nlohmann::json outs = nlohmann::json::array();
  for (const OutputReport& o : r.outputs) {
    outs.push_back({{"buffer", o.buffer}, {"dtype", o.dtype}, {"elements", o.elements},
                    {"max_abs_err", o.max_abs_err}, {"max_rel_err", o.max_rel_err}, {"pcc", o.pcc},
                    {"tolerance", o.tolerance}, {"min_pcc", o.min_pcc}, {"pass", o.pass}});
  }
  j["outputs"] = outs;
  return j.dump(2);
}

}  // namespace ttc
