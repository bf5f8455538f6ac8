// Emulator benchmark: how long validation on the functional emulator takes, relative to a
// plain C++ fp32 computation of the same size measured in the same process run.
//
//   gemm <size>^3   examples/gemm_256_bf16.textproto rewritten to M = N = K = size
//                   (bench/gemm_requests.h), vs a triple-loop fp32 matmul (i-k-j order)
//   eltwise 256^2   examples/eltwise_add_256_bf16.textproto, vs a plain fp32 element-wise add
//   softmax 320x256 examples/softmax_rows.py (reduce_tile, broadcasts, hand-offs), vs a plain
//                   fp32 row softmax
//   attention       examples/flash_attention_fwd.py (two matmuls, an online softmax carried
//                   across key blocks), vs a plain fp32 attention (Q K^T, softmax, times V)
//
// For each case: ttc::Compile with the default pipeline, the program directory written, then
//   * kernel build: the program's three kernels built with ttc::emu::BuildKernel in a child
//     process (fork, so the emulator's in-process table of loaded kernels starts empty, as in a
//     new host program), first into an empty TTC_EMU_CACHE_DIR ("cold": g++ runs), then again
//     ("cached": digest + dlopen of the cached object);
//   * emulated run: ttc::ValidateOnEmulator with its own empty cache directory; the first call
//     builds the host program and the kernels ("first run"), the next --reps calls find both
//     cached, and their median run_seconds is the emulated time (the host program's whole run:
//     process start, kernel loading, the emulated device, reading inputs and writing outputs);
//     every call's outputs must match the reference; emu_cpu_s is the host program's CPU time
//     in those runs (user + sys over all its threads, from getrusage(RUSAGE_CHILDREN));
//   * plain: the fp32 loop of the same size, median over --reps timed batches;
//   * ratio = emulated / plain (wall), cpu_ratio = emu_cpu_s / plain (the plain loop is one
//     thread; the emulator runs every core's kernels on their own threads).
// Then a table and whether the goal holds (gemm 512^3 emulated within 20x of the plain
// matmul). It reports only and never fails on timing; it exits non-zero only when a case
// cannot be compiled, built or validated.
//
// Finally the whole process a kernel author runs, `ttc validate examples/gemm_256_bf16.py`
// (build/client/ttc), with an empty emulator cache (cold: host program and kernels built) and
// then warm (median of --reps), and one RATIO line per goal: eltwise 256^2 emulated within
// 100x of the plain loop, cold validate <= 0.7 s, warm <= 0.1 s (PASS or MISS-GOAL).
//
// Flags: --sizes=256,512,1024  --reps=3  --no-eltwise (also skips softmax and attention)
// --no-validate-cli (skip the `ttc validate` timings)  --keep (keep the work directory).
// The bench sets TTC_EMU_CACHE_DIR itself (fresh directories under a temp work directory), so
// a cache of the user's does not make "cold" warm. Run: `cmake --build build --target bench`
// or build/bench/emulator_bench directly.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "bench/gemm_requests.h"
#include "driver/compile.h"
#include "driver/program_writer.h"
#include "frontend/load.h"
#include "validate/validate.h"
#include "emu/runtime/device.h"
#include "ir/proto_convert.h"
#include "ir/request_io.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int64_t kGoalSize = 512;
constexpr double kGoalRatio = 20.0;

struct Options {
  std::vector<int64_t> sizes = {256, 512, 1024};
  int reps = 3;
  bool eltwise = true;
  bool validate_cli = true;  // time `ttc validate` of the GEMM example, cold and warm
  bool keep = false;
};

struct Case {
  std::string name;      // row label
  std::string slug;      // directory name
  bool gemm = true;      // else element-wise add (or the kind below)
  int64_t size = 0;      // M = N = K (gemm) or rows = cols (eltwise)
  ttc::v1::KernelRequest req;
  // Other kinds: "softmax" (dims rows, cols) or "attention" (dims seq_q, seq_kv, dim).
  std::string kind;
  std::vector<int64_t> dims;
};

// One kernel as the generated host program creates it (codegen/emit_tt_kernels.cc): the file,
// compute or data movement, and the compile-time args TensorAccessorArgs::append_to gives for
// each buffer the kernel reads by address (emu/runtime/host_api.cc: flags, aligned page).
struct KernelSpec {
  std::string role, file;
  bool compute = false;
  std::vector<uint32_t> compile_args;
};

struct BuildTimes {
  std::string error;
  std::vector<double> seconds;   // per kernel, as BuildKernel reports it
  std::vector<bool> from_cache;  // per kernel
  double total() const {
    double s = 0;
    for (double x : seconds) s += x;
    return s;
  }
  bool all_cached() const { return std::all_of(from_cache.begin(), from_cache.end(), [](bool b) { return b; }); }
  bool none_cached() const { return std::none_of(from_cache.begin(), from_cache.end(), [](bool b) { return b; }); }
};

struct Result {
  std::string error;          // non-empty: the case did not complete
  BuildTimes cold, cached;
  bool host_cache_hit = false;  // the cached build reused the objects the host program built
  double host_build_s = 0;    // the first ValidateOnEmulator's build_seconds (host program)
  double first_run_s = 0;     // the first run: kernels built into an empty cache
  double warm_run_s = 0;      // median run_seconds of the warm runs
  double warm_min_s = 0, warm_max_s = 0;
  double warm_cpu_s = 0;      // median CPU time (user + sys, all threads) of the warm runs
  double plain_s = 0;         // median of the plain computation
  double ratio() const { return plain_s > 0 ? warm_run_s / plain_s : 0; }
  double cpu_ratio() const { return plain_s > 0 ? warm_cpu_s / plain_s : 0; }
};

// CPU seconds (user + sys) of the waited-for child processes so far: ValidateOnEmulator runs
// the host program through std::system, so the difference around a warm call is the host
// program's CPU time (all its emulated cores' threads).
double ChildrenCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_CHILDREN, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// ---- The plain C++ baselines (compiled -O2, see bench/CMakeLists.txt) ----

__attribute__((noinline)) void PlainMatmul(const float* a, const float* b, float* c, int64_t n) {
  std::fill(c, c + n * n, 0.0f);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = 0; k < n; ++k) {
      const float av = a[i * n + k];
      for (int64_t j = 0; j < n; ++j) c[i * n + j] += av * b[k * n + j];
    }
  }
}

__attribute__((noinline)) void PlainAdd(const float* a, const float* b, float* c, int64_t count) {
  for (int64_t i = 0; i < count; ++i) c[i] = a[i] + b[i];
}

volatile float g_sink = 0;  // keeps the results observable

// Median seconds per call of `fn` over `reps` batches; a batch repeats the call until it has
// run for at least 20 ms, so microsecond-scale calls are timed over many iterations.
double TimePlain(const std::function<void()>& fn, int reps) {
  auto t0 = Clock::now();
  fn();  // warm-up, and calibration of the batch size
  const double once = std::chrono::duration<double>(Clock::now() - t0).count();
  const int64_t batch = std::max<int64_t>(1, static_cast<int64_t>(0.02 / std::max(once, 1e-9)));
  std::vector<double> per_call;
  for (int r = 0; r < std::max(reps, 1); ++r) {
    t0 = Clock::now();
    for (int64_t i = 0; i < batch; ++i) fn();
    per_call.push_back(std::chrono::duration<double>(Clock::now() - t0).count() / static_cast<double>(batch));
  }
  return Median(per_call);
}

// Row softmax of a rows x cols matrix.
__attribute__((noinline)) void PlainSoftmax(const float* x, float* y, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x + r * cols;
    float* out = y + r * cols;
    float m = in[0];
    for (int64_t c = 1; c < cols; ++c) m = std::max(m, in[c]);
    float s = 0;
    for (int64_t c = 0; c < cols; ++c) s += out[c] = std::exp(in[c] - m);
    for (int64_t c = 0; c < cols; ++c) out[c] /= s;
  }
}

// softmax(Q K^T / sqrt(dim)) V for Q [sq, d], K and V [skv, d]; `s` is an sq x skv scratch.
__attribute__((noinline)) void PlainAttention(const float* q, const float* k, const float* v, float* s, float* o,
                                              int64_t sq, int64_t skv, int64_t d) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(d));
  for (int64_t i = 0; i < sq; ++i) {
    for (int64_t j = 0; j < skv; ++j) {
      float acc = 0;
      for (int64_t t = 0; t < d; ++t) acc += q[i * d + t] * k[j * d + t];
      s[i * skv + j] = acc * scale;
    }
  }
  PlainSoftmax(s, s, sq, skv);
  for (int64_t i = 0; i < sq; ++i) {
    for (int64_t t = 0; t < d; ++t) o[i * d + t] = 0;
    for (int64_t j = 0; j < skv; ++j) {
      const float p = s[i * skv + j];
      for (int64_t t = 0; t < d; ++t) o[i * d + t] += p * v[j * d + t];
    }
  }
}

double PlainSeconds(const Case& c, int reps) {
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  auto random = [&](int64_t count) {
    std::vector<float> v(count);
    for (float& x : v) x = dist(rng);
    return v;
  };
  if (c.kind == "softmax") {
    const int64_t rows = c.dims[0], cols = c.dims[1];
    std::vector<float> x = random(rows * cols), y(rows * cols);
    const double s = TimePlain([&] { PlainSoftmax(x.data(), y.data(), rows, cols); }, reps);
    g_sink = g_sink + y[y.size() / 2];
    return s;
  }
  if (c.kind == "attention") {
    const int64_t sq = c.dims[0], skv = c.dims[1], d = c.dims[2];
    std::vector<float> q = random(sq * d), k = random(skv * d), v = random(skv * d), s(sq * skv), o(sq * d);
    const double t = TimePlain([&] { PlainAttention(q.data(), k.data(), v.data(), s.data(), o.data(), sq, skv, d); },
                               reps);
    g_sink = g_sink + o[o.size() / 2];
    return t;
  }
  const int64_t n = c.size;
  std::vector<float> a(n * n), b(n * n), out(n * n);
  for (float& x : a) x = dist(rng);
  for (float& x : b) x = dist(rng);
  const double s = c.gemm ? TimePlain([&] { PlainMatmul(a.data(), b.data(), out.data(), n); }, reps)
                          : TimePlain([&] { PlainAdd(a.data(), b.data(), out.data(), n * n); }, reps);
  g_sink = g_sink + out[n * n / 2];
  return s;
}

// ---- Kernel builds ----

std::vector<KernelSpec> KernelSpecs(const nlohmann::json& plan) {
  std::vector<KernelSpec> specs;
  for (const char* role : {"reader", "writer", "compute"}) {
    const nlohmann::json& k = plan.at("kernels").at(role);
    KernelSpec s{role, k.at("file").get<std::string>(), std::string(role) == "compute", {}};
    if (!s.compute) {
      for (const nlohmann::json& arg : k.at("runtime_args")) {
        if (arg.value("source", "") != "buffer") continue;
        const nlohmann::json& b = plan.at("buffers").at(arg.at("buffer").get<std::string>());
        const bool dram = b.at("memory").get<std::string>() == "DRAM";
        const bool sharded = b.at("layout").get<std::string>() == "sharded";
        const uint32_t align = dram ? ttc::emu::kDramAlignment : ttc::emu::kL1Alignment;
        const uint32_t page = b.at("page_size").get<uint32_t>();
        s.compile_args.push_back((sharded ? 1u : 0u) | (dram ? 2u : 0u));
        s.compile_args.push_back((page + align - 1) / align * align);
      }
    }
    specs.push_back(std::move(s));
  }
  return specs;
}

// Builds the kernels with `cache_dir` as TTC_EMU_CACHE_DIR in a forked child, which reports
// each BuildKernel's from_cache and build_seconds through a pipe.
BuildTimes BuildKernelsInChild(const fs::path& program_dir, const std::vector<KernelSpec>& specs,
                               const fs::path& cache_dir) {
  BuildTimes out;
  int fds[2];
  if (pipe(fds) != 0) {
    out.error = std::string("pipe: ") + std::strerror(errno);
    return out;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) {
    out.error = std::string("fork: ") + std::strerror(errno);
    close(fds[0]);
    close(fds[1]);
    return out;
  }
  if (pid == 0) {
    close(fds[0]);
    setenv("TTC_EMU_CACHE_DIR", cache_dir.c_str(), 1);
    std::ostringstream report;
    try {
      for (const KernelSpec& s : specs) {
        tt::tt_metal::Program::Impl::Kernel kernel;
        kernel.file = (program_dir / s.file).string();
        kernel.compute = s.compute;
        kernel.role = s.role;
        kernel.compile_args = s.compile_args;
        ttc::emu::CbFormats no_cbs;
        no_cbs.fill(255);
        const ttc::emu::KernelBinary kb = ttc::emu::BuildKernel(kernel, no_cbs);
        char line[64];
        std::snprintf(line, sizeof line, "%d %.9f\n", kb.from_cache ? 1 : 0, kb.build_seconds);
        report << line;
      }
    } catch (const std::exception& e) {
      report.str("");
      report << "error " << e.what();
    }
    const std::string text = report.str();
    size_t done = 0;
    while (done < text.size()) {
      const ssize_t w = write(fds[1], text.data() + done, text.size() - done);
      if (w <= 0) break;
      done += static_cast<size_t>(w);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  char buf[4096];
  for (ssize_t r; (r = read(fds[0], buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(r));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    out.error = "the kernel-build child process failed";
    return out;
  }
  if (text.rfind("error ", 0) == 0) {
    out.error = text.substr(6);
    return out;
  }
  std::istringstream in(text);
  int cached = 0;
  double seconds = 0;
  while (in >> cached >> seconds) {
    out.from_cache.push_back(cached != 0);
    out.seconds.push_back(seconds);
  }
  if (out.seconds.size() != specs.size()) out.error = "the kernel-build child reported " + text;
  return out;
}

// ---- One case ----

Result RunCase(const Case& c, const Options& opt, const fs::path& work) {
  Result r;
  auto compiled = ttc::Compile(c.req, ttc::CompileOptions{}, nullptr);
  if (!compiled.ok()) {
    r.error = "compile: " + std::string(compiled.status().message());
    return r;
  }
  if (!compiled->ok()) {
    r.error = "compile: the request compiles with error diagnostics";
    return r;
  }
  const std::map<std::string, std::string>& files = compiled->pipeline.artifacts;
  auto source = ttc::ir::FromProto(c.req);
  if (!source.ok()) {
    r.error = "source IR: " + std::string(source.status().message());
    return r;
  }
  const fs::path dir = work / c.slug;
  const fs::path program = dir / "program";
  if (auto st = ttc::WriteProgramDir(program.string(), files); !st.ok()) {
    r.error = "writing the program: " + std::string(st.message());
    return r;
  }

  // Kernel builds: cold into an empty cache, then cached.
  std::vector<KernelSpec> specs;
  try {
    specs = KernelSpecs(nlohmann::json::parse(files.at("plan.json")));
  } catch (const std::exception& e) {
    r.error = std::string("plan.json: ") + e.what();
    return r;
  }
  const fs::path kernel_cache = dir / "kernel-cache";
  r.cold = BuildKernelsInChild(program, specs, kernel_cache);
  if (r.cold.error.empty()) r.cached = BuildKernelsInChild(program, specs, kernel_cache);
  if (!r.cold.error.empty() || !r.cached.error.empty()) {
    r.error = "kernel build: " + r.cold.error + r.cached.error;
    return r;
  }

  // Emulated runs: the first one builds everything into an empty cache, the rest are warm.
  const fs::path run_cache = dir / "run-cache";
  setenv("TTC_EMU_CACHE_DIR", run_cache.c_str(), 1);
  std::vector<double> warm, warm_cpu;
  for (int i = 0; i <= opt.reps; ++i) {
    const double cpu0 = ChildrenCpuSeconds();
    auto report = ttc::ValidateOnEmulator(source->func, files, /*seed=*/0);
    const double cpu = ChildrenCpuSeconds() - cpu0;
    if (!report.ok()) {
      r.error = "validate: " + std::string(report.status().message());
      return r;
    }
    if (!report->pass) {
      r.error = "validate: FAIL\n" + ttc::FormatReport(*report);
      return r;
    }
    if (i == 0) {
      r.host_build_s = report->build_seconds;
      r.first_run_s = report->run_seconds;
    } else {
      warm.push_back(report->run_seconds);
      warm_cpu.push_back(cpu);
    }
  }
  r.warm_run_s = Median(warm);
  r.warm_cpu_s = Median(warm_cpu);
  r.warm_min_s = warm.empty() ? 0 : *std::min_element(warm.begin(), warm.end());
  r.warm_max_s = warm.empty() ? 0 : *std::max_element(warm.begin(), warm.end());
  // The same kernels, found in the cache the host program filled: a hit for all three shows
  // the compile args above are the ones the host program used.
  BuildTimes host = BuildKernelsInChild(program, specs, run_cache);
  r.host_cache_hit = host.error.empty() && host.all_cached();

  r.plain_s = PlainSeconds(c, opt.reps);
  return r;
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Wall seconds of `ttc validate examples/gemm_256_bf16.py` with TTC_EMU_CACHE_DIR=`cache`;
// negative when the command fails (its output is kept in `log`).
double TimeValidateCli(const fs::path& cache, const fs::path& log) {
  const std::string cmd = absl::StrCat("TTC_EMU_CACHE_DIR='", cache.string(), "' '", TTC_PATH, "' validate '",
                                       TTC_SOURCE_DIR, "/examples/gemm_256_bf16.py' > '", log.string(), "' 2>&1");
  const auto t0 = Clock::now();
  const int rc = std::system(cmd.c_str());
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  return rc == 0 ? s : -1;
}

bool ParseOptions(int argc, char** argv, Options& opt) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--sizes=", 0) == 0) {
      opt.sizes.clear();
      std::stringstream ss(a.substr(8));
      for (std::string item; std::getline(ss, item, ',');) {
        const long long v = std::atoll(item.c_str());
        if (v <= 0 || v % ttc::bench::kGemmBlock != 0) {
          std::fprintf(stderr, "emulator_bench: --sizes: %s is not a positive multiple of 32\n", item.c_str());
          return false;
        }
        opt.sizes.push_back(v);
      }
    } else if (a.rfind("--reps=", 0) == 0) {
      opt.reps = std::max(1, std::atoi(a.c_str() + 7));
    } else if (a == "--no-eltwise") {
      opt.eltwise = false;
    } else if (a == "--keep") {
      opt.keep = true;
    } else if (a == "--no-validate-cli") {
      opt.validate_cli = false;
    } else {
      std::fprintf(stderr, "usage: emulator_bench [--sizes=256,512,1024] [--reps=3] [--no-eltwise] [--no-validate-cli] [--keep]\n");
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!ParseOptions(argc, argv, opt)) return 2;

  std::vector<Case> cases;
  for (int64_t size : opt.sizes) {
    auto req = ttc::bench::GemmRequest(size);
    if (!req.ok()) {
      std::fprintf(stderr, "emulator_bench: cannot build the %lld^3 GEMM: %s\n", static_cast<long long>(size),
                   std::string(req.status().message()).c_str());
      return 1;
    }
    const std::string s = std::to_string(size);
    cases.push_back({"gemm " + s + "^3", "gemm_" + s, true, size, std::move(*req), "gemm", {}});
  }
  if (opt.eltwise) {
    auto req = ttc::ir::ReadRequestFile((ttc::bench::ExamplesDir() / "eltwise_add_256_bf16.textproto").string());
    if (!req.ok()) {
      std::fprintf(stderr, "emulator_bench: %s\n", std::string(req.status().message()).c_str());
      return 1;
    }
    const auto& shape = req->func().params(0).shape();
    if (shape.size() != 2 || shape[0] != shape[1]) {
      std::fprintf(stderr, "emulator_bench: the eltwise example is not square\n");
      return 1;
    }
    const std::string s = std::to_string(shape[0]);
    cases.push_back({"eltwise " + s + "^2", "eltwise_" + s, false, shape[0], std::move(*req), "eltwise", {}});
    // The lowering-breadth kernels, as their TileLang scripts give them.
    for (const auto& [file, kind] : std::vector<std::pair<std::string, std::string>>{
             {"softmax_rows.py", "softmax"}, {"flash_attention_fwd.py", "attention"}}) {
      auto script = ttc::frontend::LoadKernelRequest((ttc::bench::ExamplesDir() / file).string(), {});
      if (!script.ok()) {
        std::fprintf(stderr, "emulator_bench: %s\n", std::string(script.status().message()).c_str());
        return 1;
      }
      Case c{"", "", false, 0, std::move(*script), kind, {}};
      const auto& p = c.req.func().params();
      if (kind == "softmax") {
        c.dims = {p[0].shape(0), p[0].shape(1)};
        c.name = absl::StrCat("softmax ", c.dims[0], "x", c.dims[1]);
      } else {
        c.dims = {p[0].shape(0), p[1].shape(0), p[0].shape(1)};
        c.name = absl::StrCat("attention ", c.dims[0], "x", c.dims[1]);
      }
      c.slug = kind;
      cases.push_back(std::move(c));
    }
  }

  std::string tmpl = (fs::temp_directory_path() / "ttc-emulator-bench-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    std::fprintf(stderr, "emulator_bench: mkdtemp: %s\n", std::strerror(errno));
    return 1;
  }
  const fs::path work = tmpl;
  std::printf("emulator_bench: %zu cases, %d warm runs each, work directory %s\n", cases.size(), opt.reps,
              work.c_str());

  std::vector<Result> results;
  bool failed = false;
  for (const Case& c : cases) {
    std::printf("  %-18s ... ", c.name.c_str());
    std::fflush(stdout);
    const auto t0 = Clock::now();
    results.push_back(RunCase(c, opt, work));
    const Result& r = results.back();
    if (!r.error.empty()) {
      failed = true;
      std::printf("ERROR\n%s\n", r.error.c_str());
    } else {
      std::printf("done in %.1f s\n", std::chrono::duration<double>(Clock::now() - t0).count());
    }
  }

  std::printf("\nEmulated run vs plain C++ fp32 (same process run; emulated = median run_seconds of %d warm "
              "ValidateOnEmulator runs,\n"
              "wall; emu_cpu_s = their CPU time, all threads; plain = one thread; ratios = emulated / plain)\n",
              opt.reps);
  std::printf("%-18s %10s %12s %11s %10s %10s %11s %9s %9s\n", "case", "host_bld_s", "first_run_s", "emulated_s",
              "(min-max)", "emu_cpu_s", "plain_ms", "ratio", "cpu_ratio");
  for (size_t i = 0; i < cases.size(); ++i) {
    const Result& r = results[i];
    if (!r.error.empty()) {
      std::printf("%-18s %s\n", cases[i].name.c_str(), "failed");
      continue;
    }
    char range[32];
    std::snprintf(range, sizeof range, "%.2f-%.2f", r.warm_min_s, r.warm_max_s);
    std::printf("%-18s %10.2f %12.3f %11.3f %10s %10.3f %11.3f %8.1fx %8.1fx\n", cases[i].name.c_str(),
                r.host_build_s, r.first_run_s, r.warm_run_s, range, r.warm_cpu_s, r.plain_s * 1e3, r.ratio(),
                r.cpu_ratio());
  }

  std::printf("\nKernel build (ttc::emu::BuildKernel, reader + writer + compute, in a fresh process)\n");
  std::printf("%-18s %10s %10s %10s %10s %11s %12s\n", "case", "cold_s", "reader_s", "writer_s", "compute_s",
              "cached_ms", "host_cache");
  for (size_t i = 0; i < cases.size(); ++i) {
    const Result& r = results[i];
    if (!r.error.empty() || r.cold.seconds.size() != 3) continue;
    std::printf("%-18s %10.3f %10.3f %10.3f %10.3f %11.2f %12s%s\n", cases[i].name.c_str(), r.cold.total(),
                r.cold.seconds[0], r.cold.seconds[1], r.cold.seconds[2], r.cached.total() * 1e3,
                r.host_cache_hit ? "hit" : "miss",
                r.cold.none_cached() && r.cached.all_cached() ? "" : "  (unexpected cache state)");
  }

  bool goal_measured = false;
  for (size_t i = 0; i < cases.size(); ++i) {
    if (!cases[i].gemm || cases[i].size != kGoalSize || !results[i].error.empty()) continue;
    const double ratio = results[i].ratio();
    std::printf("\nGoal (gemm %lld^3 emulated within %.0fx of the plain fp32 matmul): %.1fx -> %s\n",
                static_cast<long long>(kGoalSize), kGoalRatio, ratio, ratio <= kGoalRatio ? "MET" : "NOT MET");
    goal_measured = true;
  }
  if (!goal_measured) {
    std::printf("\nGoal (gemm %lld^3 within %.0fx): not measured (add %lld to --sizes)\n",
                static_cast<long long>(kGoalSize), kGoalRatio, static_cast<long long>(kGoalSize));
  }

  // The kernel author's whole command, cold and warm.
  double cold_s = -1, warm_s = -1;
  if (opt.validate_cli) {
    const fs::path cache = work / "validate-cli-cache", log = work / "validate-cli.log";
    cold_s = TimeValidateCli(cache, log);
    std::vector<double> warm;
    for (int i = 0; i < opt.reps && cold_s >= 0; ++i) {
      const double w = TimeValidateCli(cache, log);
      if (w < 0) {
        cold_s = -1;
        break;
      }
      warm.push_back(w);
    }
    if (cold_s < 0) {
      failed = true;
      std::printf("\n`ttc validate examples/gemm_256_bf16.py` failed:\n%s\n", ReadText(log).c_str());
    } else {
      std::sort(warm.begin(), warm.end());
      warm_s = warm[warm.size() / 2];
      std::printf("\n`ttc validate examples/gemm_256_bf16.py` as a process: cold (empty emulator cache) %.2f s, "
                  "warm (median of %zu) %.3f s\n", cold_s, warm.size(), warm_s);
    }
  }

  std::printf("\nSummary\n");
  for (size_t i = 0; i < cases.size(); ++i) {
    if (cases[i].name != "eltwise 256^2" || !results[i].error.empty()) continue;
    const double r = results[i].ratio();
    std::printf("RATIO eltwise_vs_plain    %8.1fx  goal <= 100x   %-9s  eltwise 256^2 emulated / plain fp32 add loop\n",
                r, r <= 100 ? "PASS" : "MISS-GOAL");
  }
  if (cold_s >= 0) {
    std::printf("RATIO cold_validate_s     %8.2fs  goal <= 0.7 s  %-9s  ttc validate gemm_256_bf16.py, empty emulator cache\n",
                cold_s, cold_s <= 0.7 ? "PASS" : "MISS-GOAL");
    std::printf("RATIO warm_validate_s     %8.3fs  goal <= 0.1 s  %-9s  the same, warm (median)\n", warm_s,
                warm_s <= 0.1 ? "PASS" : "MISS-GOAL");
  }
  std::fflush(stdout);

  if (!opt.keep) {
    std::error_code ec;
    fs::remove_all(work, ec);
  }
  return failed ? 1 : 0;
}
