// The compute kernel API's DST protocol (TT_METALIUM_API.md 2.3) and tile operations (2.4) on
// the calling kernel's DST: matmul, FPU element-wise and broadcast ops reading circular buffers, SFPU ops on DST
// tiles, and reduce. Each checks the DST protocol and capacity (Dst), reads only tiles waited
// for (ReadTile), and leaves bfloat16-precision values in a 16-bit DST (Settle).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "emu/runtime/kernel_thread.h"
#include "ttc_emu/kernel_runtime.h"

namespace ttc::emu {

float* Dst(KernelThread& t, uint32_t index, int required_state, const char* op) {
  if (t.dst_state != required_state && t.dst_state != 4) {
    static const char* kNeed[] = {"", "between tile_regs_acquire and tile_regs_commit (or acquire_dst and release_dst)",
                                  "", "between tile_regs_wait and tile_regs_release (or acquire_dst and release_dst)"};
    Violation(t, std::string(op) + " must run " + kNeed[required_state] + " (DST protocol)");
  }
  if (index >= static_cast<uint32_t>(t.dst_capacity)) {
    Violation(t, std::string(op) + " uses DST tile " + std::to_string(index) + " but DST holds " +
                     std::to_string(t.dst_capacity) + " tiles in this configuration");
  }
  return t.dst.data() + static_cast<size_t>(index) * kTileElems;
}
void Settle(KernelThread& t, float* d) {
  t.dst_cleared[(d - t.dst.data()) / kTileElems] = false;
  if (t.fp32_dest) return;
  for (int i = 0; i < kTileElems; ++i) d[i] = RoundToDtype(d[i], DataFormat::Float16_b);
}

namespace rt {

void TileRegsAcquire() {
  const ApiCall call;
  KernelThread& t = call.thread();
  if (t.dst_state != 0) Violation(t, "tile_regs_acquire while DST is still held (missing tile_regs_release)");
  t.dst_state = 1;
}
void AcquireDst() {
  const ApiCall call;
  KernelThread& t = call.thread();
  if (t.dst_state != 0) Violation(t, "acquire_dst while DST is still held (missing release_dst)");
  t.dst_state = 4;
}
void ReleaseDst() {
  const ApiCall call;
  KernelThread& t = call.thread();
  if (t.dst_state == 0) {
    // A section handed over and released twice: the card's math and pack semaphores both step
    // once more, in step, and DST is cleared again (TT's vecadd_multi_core does this).
    Warn(t, "release_dst while DST is free (no acquire_dst or tile_regs_acquire since its release)");
  } else if (t.dst_state != 4) {
    Violation(t, "release_dst without acquire_dst");
  }
  std::fill(t.dst.begin(), t.dst.end(), 0.0f);  // DST is zeroed when its section is released
  t.dst_cleared.assign(kDstTiles, true);
  t.dst_state = 0;
}
void TileRegsCommit() {
  const ApiCall call;
  KernelThread& t = call.thread();
  if (t.dst_state != 1) Violation(t, "tile_regs_commit without tile_regs_acquire");
  t.dst_state = 2;
}
void TileRegsWait() {
  const ApiCall call;
  KernelThread& t = call.thread();
  if (t.dst_state != 2) Violation(t, "tile_regs_wait without tile_regs_commit");
  t.dst_state = 3;
}
void TileRegsRelease() {
  const ApiCall call;
  KernelThread& t = call.thread();
  if (t.dst_state != 3) Violation(t, "tile_regs_release without tile_regs_wait");
  std::fill(t.dst.begin(), t.dst.end(), 0.0f);  // DST is zeroed when its section is released
  t.dst_cleared.assign(kDstTiles, true);
  t.dst_state = 0;
}

void InitOp(const char*, uint32_t, uint32_t, uint32_t) { const ApiCall call; }


void MatmulTiles(uint32_t in0, uint32_t in1, uint32_t i0, uint32_t i1, uint32_t idst, uint32_t transpose) {
  const ApiCall call;
  KernelThread& t = call.thread();
  float* d = Dst(t, idst, 1, "matmul_tiles");
  std::vector<float> a(kTileElems), b(kTileElems);
  ReadTile(t, in0, i0, a.data());
  ReadTile(t, in1, i1, b.data());
  for (int i = 0; i < kTile; ++i) {
    for (int k = 0; k < kTile; ++k) {
      const float av = a[i * kTile + k];
      for (int j = 0; j < kTile; ++j) d[i * kTile + j] += av * (transpose ? b[j * kTile + k] : b[k * kTile + j]);
    }
  }
  Settle(t, d);
}

void BinaryTiles(int op, uint32_t ca, uint32_t cb, uint32_t ia, uint32_t ib, uint32_t idst) {
  const ApiCall call;
  KernelThread& t = call.thread();
  float* d = Dst(t, idst, 1, op == 0 ? "add_tiles" : op == 1 ? "sub_tiles" : "mul_tiles");
  std::vector<float> a(kTileElems), b(kTileElems);
  ReadTile(t, ca, ia, a.data());
  ReadTile(t, cb, ib, b.data());
  for (int i = 0; i < kTileElems; ++i) d[i] = op == 0 ? a[i] + b[i] : op == 1 ? a[i] - b[i] : a[i] * b[i];
  Settle(t, d);
}

void CopyTile(uint32_t cb, uint32_t itile, uint32_t idst) {
  const ApiCall call;
  KernelThread& t = call.thread();
  float* d = Dst(t, idst, 1, "copy_tile");
  ReadTile(t, cb, itile, d);
  Settle(t, d);
}

void UnaryTile(const char* op, uint32_t idst) {
  const ApiCall call;
  KernelThread& t = call.thread();
  float* d = Dst(t, idst, 1, op);
  const std::string name = op;
  for (int i = 0; i < kTileElems; ++i) {
    const float x = d[i];
    if (name == "exp") d[i] = std::exp(x);
    else if (name == "relu") d[i] = x > 0 ? x : 0.0f;
    else if (name == "sqrt") d[i] = std::sqrt(x);
    else if (name == "recip") d[i] = 1.0f / x;
    else if (name == "rsqrt") d[i] = 1.0f / std::sqrt(x);
    else if (name == "log") d[i] = std::log(x);
    else if (name == "abs") d[i] = std::fabs(x);
    else if (name == "tanh") d[i] = std::tanh(x);
    else if (name == "sigmoid") d[i] = 1.0f / (1.0f + std::exp(-x));
    else if (name == "negative") d[i] = -x;
    else if (name == "ltz") d[i] = x < 0 ? 1.0f : 0.0f;
    else if (name == "lez") d[i] = x <= 0 ? 1.0f : 0.0f;
    else if (name == "gtz") d[i] = x > 0 ? 1.0f : 0.0f;
    else if (name == "gez") d[i] = x >= 0 ? 1.0f : 0.0f;
    else if (name == "eqz") d[i] = x == 0 ? 1.0f : 0.0f;
    else if (name == "nez") d[i] = x != 0 ? 1.0f : 0.0f;
    else Violation(t, "unknown SFPU op '" + name + "'");
  }
  Settle(t, d);
}

void FillTile(uint32_t idst, float value) {
  const ApiCall call;
  KernelThread& t = call.thread();
  float* d = Dst(t, idst, 1, "fill_tile");
  std::fill(d, d + kTileElems, value);
  Settle(t, d);
}

void SfpuBinary(const char* op, uint32_t i0, uint32_t i1, uint32_t odst) {
  const ApiCall api;
  KernelThread& t = api.thread();
  const std::string name = op;
  const std::string call = name == "max" || name == "min" ? "binary_" + name + "_tile" : name + "_binary_tile";
  const float* a = Dst(t, i0, 1, call.c_str());
  const float* b = Dst(t, i1, 1, call.c_str());
  float* d = Dst(t, odst, 1, call.c_str());
  for (int i = 0; i < kTileElems; ++i) {
    const float x = a[i], y = b[i];
    if (name == "add") d[i] = x + y;
    else if (name == "sub") d[i] = x - y;
    else if (name == "mul") d[i] = x * y;
    else if (name == "div") d[i] = x / y;
    else if (name == "rsub") d[i] = y - x;
    else if (name == "max") d[i] = std::max(x, y);
    else if (name == "min") d[i] = std::min(x, y);
    else Violation(t, "unknown SFPU binary op '" + name + "'");
  }
  Settle(t, d);
}

void WhereTile(uint32_t cond, uint32_t a, uint32_t b, uint32_t odst) {
  const ApiCall call;
  KernelThread& t = call.thread();
  const float* c = Dst(t, cond, 1, "where_tile");
  const float* x = Dst(t, a, 1, "where_tile");
  const float* y = Dst(t, b, 1, "where_tile");
  float* d = Dst(t, odst, 1, "where_tile");
  for (int i = 0; i < kTileElems; ++i) d[i] = c[i] != 0.0f ? x[i] : y[i];
  Settle(t, d);
}

void SfpuScalar(const char* op, uint32_t idst, uint32_t bits) {
  const ApiCall call;
  KernelThread& t = call.thread();
  const std::string name = op;
  float* d = Dst(t, idst, 1, (name + "_unary_tile").c_str());
  float s;
  std::memcpy(&s, &bits, sizeof s);
  for (int i = 0; i < kTileElems; ++i) {
    const float x = d[i];
    if (name == "add") d[i] = x + s;
    else if (name == "sub") d[i] = x - s;
    else if (name == "mul") d[i] = x * s;
    else if (name == "div") d[i] = x / s;
    else if (name == "rsub") d[i] = s - x;
    else Violation(t, "unknown binop-with-scalar op '" + name + "'");
  }
  Settle(t, d);
}

// The broadcast of a row-major tile: 1 COL (column 0), 2 ROW (row `row`), 3 SCALAR ([0, 0]).
static void Broadcast(int type, const float* in, uint32_t row, float* out) {
  for (int r = 0; r < kTile; ++r) {
    for (int c = 0; c < kTile; ++c) {
      out[r * kTile + c] =
          type == 1 ? in[r * kTile] : type == 2 ? in[row * kTile + c] : type == 3 ? in[0] : in[r * kTile + c];
    }
  }
}

void UnaryBcast(int type, uint32_t cb, uint32_t itile, uint32_t idst) {
  const ApiCall call;
  KernelThread& t = call.thread();
  float* d = Dst(t, idst, 1, "unary_bcast");
  std::vector<float> in(kTileElems);
  ReadTile(t, cb, itile, in.data());
  Broadcast(type, in.data(), 0, d);
  Settle(t, d);
}

void BinaryBcast(int op, int type, uint32_t ca, uint32_t cb, uint32_t ia, uint32_t ib, uint32_t idst,
                 uint32_t bcast_row) {
  const ApiCall call;
  KernelThread& t = call.thread();
  const char* name = op == 0 ? "add_tiles_bcast" : op == 1 ? "sub_tiles_bcast" : "mul_tiles_bcast";
  float* d = Dst(t, idst, 1, name);
  // Rows 0-15 of B lie in its top faces, which the unpacker's ROW mode reads (tt-llk
  // llk_unpack_AB.h); which row it takes for a larger bcast_row_idx is unverified.
  if (type == 2 && bcast_row >= kTile / 2) {
    Violation(t, std::string(name) + " with bcast_row_idx " + std::to_string(bcast_row) +
                     " is not emulated (only rows 0-15 of B)");
  }
  std::vector<float> a(kTileElems), b(kTileElems), bb(kTileElems);
  ReadTile(t, ca, ia, a.data());
  ReadTile(t, cb, ib, b.data());
  Broadcast(type, b.data(), type == 2 ? bcast_row : 0, bb.data());
  for (int i = 0; i < kTileElems; ++i) d[i] = op == 0 ? a[i] + bb[i] : op == 1 ? a[i] - bb[i] : a[i] * bb[i];
  Settle(t, d);
}

// reduce_tile (compute_kernel_api/reduce.h). Sources:
//  - TT's reduce.h: the scaler CB holds the scaling factors in the first row of each face;
//    SUM and AVG scale the sum, MAX's maximum "will be scaled by the values in icb_scaler"; for
//    REDUCE_SCALAR, AVG's factor should be 1/sqrt(N), i.e. the scaler is applied twice.
//  - tt-llk's llk_math_reduce.h (Wormhole B0): REDUCE_ROW pools each face transposed and moves
//    the row of results into column 0; REDUCE_COL pools the faces into row 0; REDUCE_SCALAR
//    pools the four faces, transposes that row and pools it again, with the scaler again.
//  - TT's ISA documentation of GMPOOL (the MAX pool): the maximum is combined with what DST
//    holds (max), DST rows left undefined by a clear read as minus infinity, and only the
//    exponent of the scaler is used (its sign and mantissa are dropped; tt-metal PR #43028).
//    GAPOOL (SUM, AVG) adds into DST.
// The emulator models a uniform scaler: every element of row 0 of each face of the scaler tile
// must equal its [0, 0] (per-position weights are not emulated, and a tile with only [0, 0]
// set, which the hardware would mostly weight by zero, is reported).
void ReduceTile(int pool, int dim, uint32_t cb, uint32_t cb_scaler, uint32_t itile, uint32_t iscaler, uint32_t idst) {
  const ApiCall call;
  KernelThread& t = call.thread();
  float* d = Dst(t, idst, 1, "reduce_tile");
  const bool cleared = t.dst_cleared[idst];
  std::vector<float> in(kTileElems), sc(kTileElems);
  ReadTile(t, cb, itile, in.data());
  ReadTile(t, cb_scaler, iscaler, sc.data());
  for (int r : {0, kTile / 2}) {
    for (int c = 0; c < kTile; ++c) {
      if (sc[r * kTile + c] != sc[0]) {
        Violation(t, "reduce_tile: the scaler (tile " + std::to_string(iscaler) + " of c_" + std::to_string(cb_scaler) +
                         ") holds " + std::to_string(sc[r * kTile + c]) + " at [" + std::to_string(r) + ", " +
                         std::to_string(c) + "] but " + std::to_string(sc[0]) + " at [0, 0]; TT weights by row 0 of "
                         "each face, which the emulator requires to be uniform");
      }
    }
  }
  const bool max = pool == 2;
  float s = sc[0];
  if (max) s = s == 0.0f || !std::isfinite(s) ? std::fabs(s) : std::ldexp(1.0f, std::ilogb(s));
  const float scale = dim == 2 ? s * s : s;
  // Each result combines with DST: added (SUM, AVG) or the maximum (MAX; a cleared tile holds
  // minus infinity for it).
  auto combine = [&](float& acc, float v) {
    v *= scale;
    acc = !max ? acc + v : cleared ? v : std::max(acc, v);
  };
  auto reduce = [&](int r0, int r1, int c0, int c1) {
    float v = max ? -std::numeric_limits<float>::infinity() : 0.0f;
    for (int r = r0; r < r1; ++r) {
      for (int c = c0; c < c1; ++c) v = max ? std::max(v, in[r * kTile + c]) : v + in[r * kTile + c];
    }
    return v;
  };
  if (dim == 0) {  // REDUCE_ROW: one value per row, in column 0
    for (int r = 0; r < kTile; ++r) combine(d[r * kTile], reduce(r, r + 1, 0, kTile));
  } else if (dim == 1) {  // REDUCE_COL: one value per column, in row 0
    for (int c = 0; c < kTile; ++c) combine(d[c], reduce(0, kTile, c, c + 1));
  } else {  // REDUCE_SCALAR: one value, in [0, 0]
    combine(d[0], reduce(0, kTile, 0, kTile));
  }
  Settle(t, d);
}

// SFPI (ttc_emu/sfpi.h): vector v of DST is tile v / 32, face (v % 32) / 8, the 32 elements of
// rows 2r and 2r + 1 of the face (r = v % 8) in stored order.
namespace {
float* SfpuVector(KernelThread& t, uint32_t v, const char* op, int* offsets) {
  float* d = Dst(t, v / 32, 1, op);
  const uint32_t face = (v % 32) / 8, r = v % 8;
  for (int l = 0; l < 32; ++l) {
    const uint32_t k = 32 * r + l;  // element of the face, stored order
    offsets[l] = static_cast<int>(((face / 2) * 16 + k / 16) * kTile + (face % 2) * 16 + k % 16);
  }
  return d;
}
}  // namespace

void SfpuLoad(uint32_t v, float* lanes) {
  const ApiCall call;
  KernelThread& t = call.thread();
  int offsets[32];
  const float* d = SfpuVector(t, v, "an SFPI load from dst_reg", offsets);
  for (int l = 0; l < 32; ++l) lanes[l] = d[offsets[l]];
}

void SfpuStore(uint32_t v, const float* lanes, const bool* enabled) {
  const ApiCall call;
  KernelThread& t = call.thread();
  int offsets[32];
  float* d = SfpuVector(t, v, "an SFPI store to dst_reg", offsets);
  for (int l = 0; l < 32; ++l) {
    if (enabled[l]) d[offsets[l]] = t.fp32_dest ? lanes[l] : RoundToDtype(lanes[l], DataFormat::Float16_b);
  }
  t.dst_cleared[v / 32] = false;
}

void NotEmulated(const char* what) { Violation(Self(), std::string(what) + " is not emulated"); }

}  // namespace rt
}  // namespace ttc::emu
