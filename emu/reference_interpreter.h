// The reference interpreter: executes a kernel's source IR (a PrimFunc as ir::FromProto
// returns it, before any lowering pass) on the CPU, element by element, to produce the golden
// output that the emulated TT-Metalium program is compared against.
//
// Semantics:
//  * Launch: the body runs once per block of func.grid, blocks in the order z, y, x with x
//    fastest; the block index variables (func.grid.vars) are bound to the block's indices.
//    Blocks run one after the other on the same global buffers.
//  * Buffers: parameters (global) start as the given inputs; every T.alloc_* (Alloc) creates
//    a zero-filled buffer each time it executes (so once per block for allocations at the top
//    of the kernel body).
//  * Rounding: every value written into a buffer (inputs on entry, Store, Fill, Copy, Gemm)
//    is rounded to that buffer's dtype: float32 RNE through float; bfloat16 and float16 RNE
//    with emu::RoundDoubleToDtype (one rounding from double, overflow to +-inf); float64
//    unchanged; integer dtypes (int8..int64, uint8..uint64, int4, uint4, bool): a
//    floating-point value is truncated toward zero and saturated to the dtype's range (NaN
//    becomes 0; bool is value != 0), an integer value wraps modulo 2^bits (two's complement),
//    as C++ and TVM casts do. Buffers hold doubles, so 64-bit integers are exact only up to
//    2^53. T.cast to a dtype rounds the same way.
//  * Expressions are typed like TVM's: integer immediates, loop/block/let variables bound to
//    integers, loads of integer buffers, integer casts, comparisons and logical operators are
//    integers (int64 arithmetic, wrapping); anything involving a float is computed in double.
//    Integer `/` truncates toward zero (TVM's div); `//` and `%` are floor division and modulo
//    with Python semantics (the remainder has the sign of the divisor) for integers and
//    floats; T.ceildiv rounds up; integer division by zero is an error. Calls: exp, sqrt,
//    rsqrt (1/sqrt), log, tanh, sigmoid (1/(1+exp(-x))), recip (1/x) in double; abs, relu
//    (max(x, 0)), neg keep the operand's type; not is logical; select(c, a, b) evaluates only
//    the chosen operand.
//  * Statements: loops of every kind (serial, pipelined, parallel, unrolled, grid) run
//    serially from min to min + extent - 1, both evaluated as integers on entry; Let binds its
//    value for its body; If runs then_body when the condition is non-zero, else else_body;
//    Evaluate evaluates its call and drops the value. Fill rounds its value once and writes
//    every element. Copy (T.copy) moves the source region's elements, taken in row-major
//    order of the source region, to the destination region's elements in row-major order of
//    the destination region (the IR guarantees equal counts). Gemm computes
//    C = (clear_accum ? 0 : C) + op(A) @ op(B), op transposing when requested, with the
//    products and sums in double, then rounds each element of C to C's dtype once.
//  * Padding of global buffers: the TT program stores every global buffer padded with zeros
//    to whole tiles and reads back only the original shape, so an access of a parameter at an
//    index inside its tile-padded shape but outside its shape reads 0 and a write there is
//    dropped (copies, loads and stores alike). The padded shape is the layout annotation's
//    padded_shape when given, else the shape with its last two dimensions (the last one for a
//    1-D buffer) rounded up to the tile_shape (default 32x32). Any other index outside a
//    buffer (negative, past the padded shape of a parameter, or past the shape of an on-chip
//    buffer) is an INVALID_ARGUMENT error naming the buffer and the index.
//  * The dtype is the IR buffer's: a layout annotation's `dtype`/`data_format` override of the
//    device copy is not applied.
//
// Cost: names are resolved and expression types fixed once, before the first block; T.gemm
// then runs as a native double loop (about 0.3 ns per multiply-add optimised) and
// element-wise nests at roughly 50-100 ns per innermost statement. Measured on the examples
// (-O2): gemm_1024_bf16_block128 (2^30 multiply-adds) 0.4 s, gemm_manual_loops (2^24
// interpreted multiply-adds) 0.9 s, every other example under 0.02 s.
#ifndef TTC_EMU_REFERENCE_INTERPRETER_H_
#define TTC_EMU_REFERENCE_INTERPRETER_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ir/stmt.h"

namespace ttc::emu {

// Values of buffers by name: for each, its elements in row-major order of the buffer's shape
// (size == BufferNode::NumElements()), in the buffer's units (no scaling).
using BufferValues = std::map<std::string, std::vector<double>>;

// Runs `func` on `inputs` and returns the final contents of every parameter (inputs that
// the kernel never writes come back rounded to their dtype).
//
// `inputs` must hold exactly one entry per parameter of `func`, named as the parameter,
// with the parameter's element count; output buffers are inputs too (their initial contents
// are what a kernel that does not overwrite every element leaves in place).
//
// Errors:
//  * INVALID_ARGUMENT: a parameter missing from `inputs`, an entry naming no parameter, a
//    wrong element count (the message names the buffer and both counts); an out-of-bounds
//    access (see above; the message names the buffer, the index and the shape, and the
//    statement's source location); integer division or modulo by zero; an IR that is not
//    well formed (an undefined variable or buffer, a non-integer index or loop bound, a rank
//    mismatch, GEMM shapes that do not agree); a lowered function (persistent, with
//    TT-Metalium kernels or tt.* intrinsics): only the source IR is accepted.
//  * UNIMPLEMENTED: a buffer or cast of a dtype the interpreter cannot round (bfp8_b,
//    float8_e4m3).
absl::StatusOr<BufferValues> RunReference(const ir::PrimFunc& func, const BufferValues& inputs);

}  // namespace ttc::emu

#endif  // TTC_EMU_REFERENCE_INTERPRETER_H_
