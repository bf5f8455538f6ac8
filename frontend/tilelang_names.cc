#include "frontend/tilelang_names.h"

#include <map>
#include <set>

namespace ttc::frontend {
namespace {

const std::set<std::string>& Statements() {
  static const std::set<std::string> s = {
      "prim_func", "Buffer", "Tensor", "empty", "const", "dynamic", "symbolic", "Kernel", "alloc_shared",
      "alloc_fragment", "alloc_local", "alloc_var", "copy", "gemm", "clear", "fill", "ceildiv", "min", "max",
      "cast", "Cast", "if_then_else", "evaluate", "func_attr", "buffer_attr", "infinity", "dtype",
      "GemmWarpPolicy"};
  return s;
}

const std::set<std::string>& Loops() {
  static const std::set<std::string> s = {"serial", "Serial", "Pipelined", "Parallel", "grid", "unroll",
                                          "Persistent", "vectorized", "parallel"};
  return s;
}

const std::set<std::string>& TileOps() {
  static const std::set<std::string> s = {
      "reduce", "reduce_max", "reduce_min", "reduce_sum", "reduce_abssum", "reduce_absmax", "reduce_bitand",
      "reduce_bitor", "reduce_bitxor", "cumsum", "finalize_reducer", "atomic_add", "atomic_addx2", "atomic_addx4",
      "atomic_max", "atomic_min", "atomic_load", "atomic_store", "c2d_im2col", "gemm_v2", "gemm_sp", "wgmma_gemm",
      "tcgen05_gemm", "alloc_reducer", "view", "reshape", "transpose", "print", "device_assert", "loop_break"};
  return s;
}

struct MathRow {
  std::string ir;
  int arity;
};
const std::map<std::string, MathRow>& Math() {
  static const std::map<std::string, MathRow> m = {
      {"exp", {"exp", 1}},     {"exp2", {"exp2", 1}},   {"log", {"log", 1}},       {"log2", {"log2", 1}},
      {"log10", {"log10", 1}}, {"sqrt", {"sqrt", 1}},   {"rsqrt", {"rsqrt", 1}},   {"abs", {"abs", 1}},
      {"relu", {"relu", 1}},   {"recip", {"recip", 1}}, {"tanh", {"tanh", 1}},     {"sigmoid", {"sigmoid", 1}},
      {"sin", {"sin", 1}},     {"cos", {"cos", 1}},     {"erf", {"erf", 1}},       {"floor", {"floor", 1}},
      {"ceil", {"ceil", 1}},   {"trunc", {"trunc", 1}}, {"round", {"round", 1}},   {"pow", {"pow", 2}},
      {"fmod", {"fmod", 2}}};
  return m;
}

const std::map<std::string, const char*>& Hints() {
  static const std::map<std::string, const char*> m = {
      {"use_swizzle", "T.use_swizzle reorders thread blocks for a GPU's L2 cache; the TT backend orders work by its "
                      "schedule (tt_schedule_order), so the hint is ignored"},
      {"annotate_layout", "T.annotate_layout sets GPU shared-memory layouts; TT buffers are tiled by the layout "
                          "passes, so it is ignored"},
      {"annotate_padding", "T.annotate_padding pads GPU shared memory; it is ignored by the TT backend"},
      {"annotate_l2_hit_ratio", "T.annotate_l2_hit_ratio is a GPU cache hint; it is ignored by the TT backend"},
      {"no_set_max_nreg", "T.no_set_max_nreg is a GPU register hint; it is ignored by the TT backend"},
      {"set_max_nreg", "T.set_max_nreg is a GPU register hint; it is ignored by the TT backend"},
      {"disable_warp_group_reg_alloc", "T.disable_warp_group_reg_alloc is a GPU register hint; it is ignored"},
      {"annotate_restrict_buffers", "T.annotate_restrict_buffers is a GPU aliasing hint; it is ignored"},
      {"use_tma", "T.use_tma selects a GPU copy engine; it is ignored by the TT backend"}};
  return m;
}

const std::map<std::string, const char*>& Mechanisms() {
  static const std::map<std::string, const char*> m = {
      {"get_thread_binding", "T.get_thread_binding reads a GPU thread index; a Tensix core runs the tile program "
                             "once per core (reader, compute, writer), with no thread index to branch on"},
      {"get_warp_idx", "T.get_warp_idx reads a GPU warp index; Tensix cores have no warps"},
      {"get_warp_group_idx", "T.get_warp_group_idx reads a GPU warp-group index; Tensix cores have no warp groups"},
      {"alloc_barrier", "T.alloc_barrier allocates GPU mbarriers; TT kernels synchronize through circular buffers "
                        "(cb_reserve_back / cb_push_back / cb_wait_front), which the TT passes insert"},
      {"barrier_arrive", "T.barrier_arrive signals a GPU mbarrier; TT kernels synchronize through circular buffers"},
      {"barrier_wait", "T.barrier_wait waits on a GPU mbarrier; TT kernels synchronize through circular buffers"},
      {"mbarrier_wait_parity", "T.mbarrier_wait_parity waits on a GPU mbarrier; TT kernels synchronize through "
                               "circular buffers"},
      {"mbarrier_arrive", "T.mbarrier_arrive signals a GPU mbarrier; TT kernels synchronize through circular buffers"},
      {"sync_threads", "T.sync_threads is a GPU block barrier; a Tensix core's threads are the reader, compute and "
                       "writer kernels, synchronized through circular buffers"},
      {"ws", "T.ws (warp specialization) splits a GPU block into producer and consumer warps; the TT backend already "
             "splits each core into reader, compute and writer kernels"},
      {"shfl_xor", "T.shfl_xor is a GPU warp shuffle; Tensix cores have no warps"},
      {"shfl_down", "T.shfl_down is a GPU warp shuffle; Tensix cores have no warps"},
      {"shfl_up", "T.shfl_up is a GPU warp shuffle; Tensix cores have no warps"},
      {"call_extern", "T.call_extern calls a CUDA/HIP device function, which a Tensix core cannot run"},
      {"ptx", "T.ptx inlines PTX, which a Tensix core cannot run"},
      {"tma_copy", "T.tma_copy drives the GPU's tensor memory accelerator; TT moves data with NoC reads/writes, "
                   "which T.copy lowers to"}};
  return m;
}

}  // namespace

bool IsTileLangBuiltin(const std::string& name) {
  return Statements().count(name) || Loops().count(name) || TileOps().count(name) || Math().count(name) ||
         Hints().count(name) || Mechanisms().count(name) || name == "clamp" || name == "max_value" ||
         name == "min_value";
}

const char* SupportedTileLangSummary() {
  return "T.Kernel, T.alloc_shared/fragment/local, T.copy, T.gemm, T.clear, T.fill, loops (T.serial, T.Pipelined, "
         "T.Parallel, T.grid, T.unroll), element-wise expressions (arithmetic, T.exp, T.sqrt, T.rsqrt, T.log, "
         "T.abs, T.tanh, T.sigmoid, T.relu, T.recip, T.cast, T.if_then_else, T.min, T.max)";
}

const std::string* TileLangMathCall(const std::string& name) {
  auto it = Math().find(name);
  return it == Math().end() ? nullptr : &it->second.ir;
}

int TileLangMathArity(const std::string& name) {
  auto it = Math().find(name);
  return it == Math().end() ? 0 : it->second.arity;
}

bool IsTileLangLoop(const std::string& name) { return Loops().count(name) > 0; }
bool IsTileLangTileOp(const std::string& name) { return TileOps().count(name) > 0; }

const char* GpuHintWarning(const std::string& name) {
  auto it = Hints().find(name);
  return it == Hints().end() ? nullptr : it->second;
}

const char* GpuMechanismError(const std::string& name) {
  auto it = Mechanisms().find(name);
  return it == Mechanisms().end() ? nullptr : it->second;
}

bool IsTileLangHostHelper(const std::string& full) {
  static const std::set<std::string> s = {"tilelang.cdiv", "tilelang.next_power_of_2", "tilelang.compile",
                                          "tilelang.carver.arch.driver.get_num_sms", "tilelang.jit",
                                          "tilelang.autotune", "tilelang.autotuner.autotune",
                                          "tilelang.math.next_power_of_2", "tilelang.utils.math.next_power_of_2",
                                          "tilelang.language.get_num_sms"};
  return s.count(full) > 0;
}

}  // namespace ttc::frontend
