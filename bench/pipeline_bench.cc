// Compile-time benchmarks of the whole default pass pipeline (request -> ttc::Compile result in
// memory, no I/O in the timed loop).
//
//   BM_CompileExample/<name>  every examples/*.textproto, and every examples/*.py without a
//                             .textproto twin (loaded by the TileLang frontend before timing),
//                             discovered at startup
//   BM_CompileGemm/<size>     examples/gemm_256_bf16.textproto rewritten to M = N = K = size
//                             (32x32 blocks, so the launch grid grows with size^2 while the
//                             target's core grid stays the same)
//
// After the runs it prints, from the same run, each GEMM size's compile time relative to 256^3
// and whether the goal holds (16384^3 within 2x of 256^3: compile time must not grow with the
// number of tiles beyond the per-core tables), plus the per-pass split of each GEMM compile.
// Benchmarks report; they never fail on timing. Run: `cmake --build build --target bench`.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench/gemm_requests.h"
#include "driver/compile.h"
#include "frontend/load.h"
#include "ir/request_io.h"
#include "ttc/v1/request.pb.h"

namespace {

using ttc::bench::ExamplesDir;
using ttc::bench::GemmRequest;

constexpr int64_t kBlock = ttc::bench::kGemmBlock;  // the GEMM's block (and tile) edge
constexpr int64_t kGemmBaseSize = 256;
constexpr int64_t kGemmSizes[] = {256, 512, 1024, 2048, 4096, 8192, 16384};
constexpr int64_t kDefaultCores = 64;  // wormhole_b0's 8x8 compute grid

std::string GemmName(int64_t size) { return "BM_CompileGemm/" + std::to_string(size); }

// Per-pass wall time (ms, mean over the iterations of the last measured batch) per benchmark.
std::map<std::string, std::vector<ttc::PassTiming>>& PassSplits() {
  static std::map<std::string, std::vector<ttc::PassTiming>> splits;
  return splits;
}

// One attribute of the compiled function as an integer, or `fallback` when it is absent.
int64_t IntAttr(const ttc::CompileResult& r, const char* key, int64_t fallback) {
  const auto& attrs = r.unit.func.attrs;
  if (attrs.is_object() && attrs.contains(key) && attrs[key].is_number_integer()) return attrs[key].get<int64_t>();
  return fallback;
}

// The timed loop shared by both families: one Compile per iteration, nothing else timed. The
// pipeline's own per-pass timings are averaged into PassSplits()[key]. Returns one more
// (untimed) result for the counters, or nullopt when Compile rejected the options (the
// benchmark is then skipped with the error).
std::optional<ttc::CompileResult> RunCompiles(benchmark::State& state, const ttc::v1::KernelRequest& req,
                                              const std::string& key) {
  const ttc::CompileOptions opts;  // the full default pipeline
  std::map<std::string, double> pass_ms;
  std::vector<std::string> pass_order;
  int64_t n = 0;
  for (auto _ : state) {
    absl::StatusOr<ttc::CompileResult> r = ttc::Compile(req, opts, nullptr);
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return std::nullopt;
    }
    benchmark::DoNotOptimize(r->unit.func.attrs);
    for (const ttc::PassTiming& t : r->pipeline.timings) {
      if (!pass_ms.count(t.pass)) pass_order.push_back(t.pass);
      pass_ms[t.pass] += t.wall_ms;
    }
    ++n;
  }
  absl::StatusOr<ttc::CompileResult> last = ttc::Compile(req, opts, nullptr);
  if (!last.ok()) return std::nullopt;
  if (n > 0) {
    std::vector<ttc::PassTiming> split;
    for (const std::string& p : pass_order) split.push_back({p, pass_ms[p] / static_cast<double>(n)});
    PassSplits()[key] = std::move(split);
  }
  if (!last->ok()) state.SetLabel("compiles with error diagnostics");
  state.counters["passes"] = static_cast<double>(last->pipeline.timings.size());
  return std::move(*last);
}

void BM_CompileExample(benchmark::State& state, const std::string& name, const ttc::v1::KernelRequest& req) {
  RunCompiles(state, req, name);
}

void BM_CompileGemm(benchmark::State& state, const ttc::v1::KernelRequest& req) {
  const int64_t size = state.range(0);
  auto last = RunCompiles(state, req, GemmName(size));
  const int64_t work_units = (size / kBlock) * (size / kBlock);
  const int64_t cores = last ? IntAttr(*last, "tt_num_cores", kDefaultCores) : kDefaultCores;
  state.counters["work_units"] = static_cast<double>(work_units);
  state.counters["cores"] = static_cast<double>(cores);
  state.counters["units_per_core"] = static_cast<double>((work_units + cores - 1) / cores);
}

// Console output as usual, plus the real time per iteration (ns) of every run, by run name,
// for the ratio table: each repetition's time, and the "median" aggregate when repetitions
// are on (it is the only source under --benchmark_report_aggregates_only).
class CapturingReporter : public benchmark::ConsoleReporter {
 public:
  using benchmark::ConsoleReporter::ConsoleReporter;

  void ReportRuns(const std::vector<Run>& reports) override {
    benchmark::ConsoleReporter::ReportRuns(reports);
    for (const Run& run : reports) {
      if (run.error_occurred || run.iterations <= 0) continue;
      const double real_ns = run.real_accumulated_time * 1e9 / static_cast<double>(run.iterations);
      const double cpu_ns = run.cpu_accumulated_time * 1e9 / static_cast<double>(run.iterations);
      if (run.run_type == Run::RT_Iteration) {
        real_[run.run_name.str()].push_back(real_ns);
        cpu_[run.run_name.str()].push_back(cpu_ns);
      } else if (run.aggregate_name == "median" && run.aggregate_unit == benchmark::kTime) {
        real_median_[run.run_name.str()] = real_ns;
        cpu_median_[run.run_name.str()] = cpu_ns;
      }
    }
  }

  // Real (wall) and CPU time per iteration, ns: the median over repetitions (the one time
  // without --benchmark_repetitions); -1 when the benchmark did not run.
  double RealNs(const std::string& name) const { return Median(real_median_, real_, name); }
  double CpuNs(const std::string& name) const { return Median(cpu_median_, cpu_, name); }

 private:
  using Times = std::map<std::string, std::vector<double>>;
  static double Median(const std::map<std::string, double>& aggregates, const Times& times, const std::string& name) {
    if (auto m = aggregates.find(name); m != aggregates.end()) return m->second;
    auto it = times.find(name);
    if (it == times.end() || it->second.empty()) return -1;
    std::vector<double> v = it->second;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  }

  Times real_, cpu_;
  std::map<std::string, double> real_median_, cpu_median_;
};

void PrintRatios(const CapturingReporter& rep) {
  const double base = rep.RealNs(GemmName(kGemmBaseSize));
  const double base_cpu = rep.CpuNs(GemmName(kGemmBaseSize));
  std::printf("\nRatios vs gemm 256^3 (same run; 32x32 blocks, same %lld-core grid)\n",
              static_cast<long long>(kDefaultCores));
  std::printf("%-8s %12s %15s %12s %10s %12s %10s\n", "size", "work_units", "units_per_core", "real_us", "ratio",
              "cpu_us", "cpu_ratio");
  for (int64_t size : kGemmSizes) {
    const double t = rep.RealNs(GemmName(size));
    const double c = rep.CpuNs(GemmName(size));
    if (t < 0) continue;
    const int64_t units = (size / kBlock) * (size / kBlock);
    std::printf("%-8lld %12lld %15lld %12.1f ", static_cast<long long>(size), static_cast<long long>(units),
                static_cast<long long>((units + kDefaultCores - 1) / kDefaultCores), t / 1e3);
    if (base > 0) std::printf("%9.2fx ", t / base); else std::printf("%10s ", "n/a");
    std::printf("%12.1f ", c / 1e3);
    if (base_cpu > 0) std::printf("%9.2fx\n", c / base_cpu); else std::printf("%10s\n", "n/a");
  }
  const double top = rep.RealNs(GemmName(16384));
  if (base > 0 && top > 0) {
    std::printf("Goal (16384^3 within 2x of 256^3, real time): %.2fx -> %s\n", top / base,
                top / base <= 2.0 ? "MET" : "NOT MET");
  } else {
    std::printf("Goal (16384^3 within 2x of 256^3): not measured (run both BM_CompileGemm/256 and /16384)\n");
  }

  // Where the time goes: the pipeline's own per-pass timings, mean per compile.
  bool header = false;
  for (int64_t size : kGemmSizes) {
    auto it = PassSplits().find(GemmName(size));
    if (it == PassSplits().end()) continue;
    if (!header) {
      std::printf("\nPer-pass wall time per compile (ms, from CompileResult.pipeline.timings)\n");
      header = true;
    }
    std::printf("%-6lld", static_cast<long long>(size));
    for (const ttc::PassTiming& t : it->second) std::printf("  %s=%.3f", t.pass.c_str(), t.wall_ms);
    std::printf("\n");
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  // One benchmark per example, in name order.
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(ExamplesDir(), ec)) {
    if (!entry.is_regular_file()) continue;
    const std::filesystem::path& f = entry.path();
    std::filesystem::path twin = f;
    twin.replace_extension(".textproto");
    if (f.extension() == ".textproto" || (f.extension() == ".py" && !std::filesystem::exists(twin))) {
      files.push_back(f);
    }
  }
  if (ec) std::fprintf(stderr, "pipeline_bench: cannot list %s: %s\n", ExamplesDir().c_str(), ec.message().c_str());
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    auto req = path.extension() == ".py" ? ttc::frontend::LoadKernelRequest(path.string(), {})
                                         : ttc::ir::ReadRequestFile(path.string());
    if (!req.ok()) {
      std::fprintf(stderr, "pipeline_bench: skipping %s: %s\n", path.c_str(), std::string(req.status().message()).c_str());
      continue;
    }
    const std::string name = "BM_CompileExample/" + path.stem().string();
    benchmark::RegisterBenchmark(name.c_str(), BM_CompileExample, name, std::move(*req))
        ->Unit(benchmark::kMicrosecond);
  }

  for (int64_t size : kGemmSizes) {
    auto req = GemmRequest(size);
    if (!req.ok()) {
      std::fprintf(stderr, "pipeline_bench: cannot build the %lld^3 GEMM: %s\n", static_cast<long long>(size),
                   std::string(req.status().message()).c_str());
      continue;
    }
    benchmark::RegisterBenchmark("BM_CompileGemm", BM_CompileGemm, std::move(*req))
        ->Arg(size)
        ->Unit(benchmark::kMicrosecond);
  }

  benchmark::ConsoleReporter::OutputOptions oo = benchmark::ConsoleReporter::OO_Tabular;
  if (isatty(STDOUT_FILENO)) oo = benchmark::ConsoleReporter::OO_ColorTabular;
  CapturingReporter reporter(oo);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  PrintRatios(reporter);
  benchmark::Shutdown();
  return 0;
}
