// Frontend diagnostics: every rejected construct is reported at its exact line:col as
// `k.py:L:C: error: ...`, followed by the source line and a caret. Table-driven: the kernel
// text is a correct GEMM with one line replaced.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "frontend/load.h"

namespace ttc {
namespace {

// A correct kernel; cases replace `BODY` (the statements of the loop) or whole lines.
constexpr char kKernel[] = R"(import tilelang.language as T

N = 64


@T.prim_func
def main(A: T.Buffer((N, N), "bfloat16"), B: T.Buffer((N, N), "bfloat16"), C: T.Buffer((N, N), "bfloat16")):
    with T.Kernel(2, 2) as (bx, by):
        A_s = T.alloc_shared((32, 32), "bfloat16")
        B_s = T.alloc_shared((32, 32), "bfloat16")
        C_l = T.alloc_fragment((32, 32), "float32")
        T.clear(C_l)
        for k in T.serial(2):
            BODY
        T.copy(C_l, C[by * 32, bx * 32])
)";
constexpr char kGoodBody[] =
    "T.copy(A[by * 32, k * 32], A_s)\n            T.copy(B[k * 32, bx * 32], B_s)\n"
    "            T.gemm(A_s, B_s, C_l)";

std::string WithBody(const std::string& body) { return absl::StrReplaceAll(kKernel, {{"BODY", body}}); }

// The first line of the diagnostic.
std::string FirstLine(const std::string& script) {
  auto r = frontend::ParseTileLangScript(script, "k.py", {});
  if (r.ok()) return "OK";
  std::string m(r.status().message());
  return m.substr(0, m.find('\n'));
}

TEST(FrontendErrors, CorrectKernelCompiles) { EXPECT_EQ(FirstLine(WithBody(kGoodBody)), "OK"); }

struct Case {
  const char* name;
  std::string script;
  std::string expected;  // first line of the diagnostic
};

TEST(FrontendErrors, KernelStatements) {
  const std::vector<Case> cases = {
      {"copy arity", WithBody("T.copy(A[by * 32, k * 32], A_s, B_s)"),
       "k.py:14:13: error: T.copy expects (src, dst), got 3 arguments"},
      {"copy keyword", WithBody("T.copy(A[by * 32, k * 32], A_s, stride=4)"),
       "k.py:14:45: error: T.copy keyword 'stride' is not supported by the TT backend; T.copy takes (src, dst)"},
      {"gemm arity", WithBody("T.gemm(A_s, B_s)"),
       "k.py:14:13: error: T.gemm expects (A, B, C[, transpose_A, transpose_B]), got 2 arguments"},
      {"gemm keyword", WithBody("T.gemm(A_s, B_s, C_l, alpha=1)"),
       "k.py:14:35: error: T.gemm keyword 'alpha' is not supported by the TT backend; T.gemm accepts transpose_A, "
       "transpose_B and clear_accum"},
      {"gemm wrong type", WithBody("T.gemm(A_s, B_s, C_l, transpose_B=1)"),
       "k.py:14:47: error: transpose_B must be True or False, got integer 1"},
      {"undefined name", WithBody("T.copy(A[by * 32, kk * 32], A_s)"),
       "k.py:14:31: error: name 'kk' is not defined"},
      {"undefined buffer", WithBody("T.copy(Q[by * 32, k * 32], A_s)"), "k.py:14:20: error: name 'Q' is not defined"},
      {"rank mismatch", WithBody("T.copy(A[by * 32], A_s)"),
       "k.py:14:20: error: buffer 'A' has rank 2 but 1 index was given"},
      {"unknown T call", WithBody("T.atomic_mul(C_l[0, 0], 1)"),
       "k.py:14:13: error: T.atomic_mul is not a TileLang builtin that ttc knows; supported: T.Kernel, "
       "T.alloc_shared/fragment/local, T.copy, T.gemm, T.clear, T.fill, loops (T.serial, T.Pipelined, T.Parallel, "
       "T.grid, T.unroll), element-wise expressions (arithmetic, T.exp, T.sqrt, T.rsqrt, T.log, T.abs, T.tanh, "
       "T.sigmoid, T.relu, T.recip, T.cast, T.if_then_else, T.min, T.max)"},
      {"GPU mechanism", WithBody("tx = T.get_thread_binding()"),
       "k.py:14:18: error: T.get_thread_binding reads a GPU thread index; a Tensix core runs the tile program once "
       "per core (reader, compute, writer), with no thread index to branch on"},
      {"while", WithBody("while k < 2:\n                pass"),
       "k.py:14:13: error: 'while' loops are not supported in a kernel: TT kernels need a known trip count; use "
       "`for i in T.serial(n)`"},
      {"break", WithBody("break"), "k.py:14:13: error: 'break' is not supported in a kernel: TT kernel loops run their whole trip count"},
      {"power operator", WithBody("C_l[0, 0] = A_s[0, 0] ** 2"),
       "k.py:14:35: error: operator '**' is not supported in kernel expressions; the TT backend accepts + - * / // % "
       "and comparisons, and T.min, T.max, T.ceildiv"},
      {"loop step", WithBody("for i in range(0, 32, 2):\n                pass"),
       "k.py:14:35: error: a loop step other than 1 is not supported; loop over the count and scale the index "
       "(`for i in T.serial(n): ... i * step`)"},
      {"pipelined keyword", WithBody("for i in T.Pipelined(2, num_stages=2, depth=[0, 1]):\n                pass"),
       "k.py:14:51: error: T.Pipelined keyword 'depth' is not supported by the TT backend; T.Pipelined accepts "
       "num_stages"},
      {"grid arity", WithBody("for i, j in T.grid(32):\n                pass"),
       "k.py:14:17: error: T.grid gives 1 loop dimension but 2 variables are bound"},
      {"slice outside copy", WithBody("C_l[0:32, 0] = 1.0"),
       "k.py:14:17: error: a slice selects a region, which only T.copy accepts; index elements with `A[i, j]`"},
      {"non-constant slice extent", WithBody("T.copy(A[0:k * 32, 0:32], A_s)"),
       "k.py:14:22: error: the extent of a region slice (stop - start) must be a compile-time constant, as in "
       "`A[by * 32:(by + 1) * 32]`"},
      {"unused expression", WithBody("k + 1"),
       "k.py:14:13: error: this expression has no effect; kernel statements are T.copy, T.gemm, T.clear, T.fill, "
       "assignments to buffer elements, loops and `if`"},
      {"kernel variable update", WithBody("x = k * 2\n            x += 1"),
       "k.py:15:13: error: kernel variables cannot be updated; accumulate into a buffer element (`acc[0] += x` with "
       "acc = T.alloc_local((1,), dtype))"},
      {"nested with", WithBody("with T.Kernel(1) as z:\n                pass"),
       "k.py:14:13: error: nested `with` blocks are not supported: a kernel has one `with T.Kernel(...)`"},
      // Compile-time Python inside a kernel body is evaluated like in a factory.
      {"lambda", WithBody("f = lambda x: x\n            T.copy(A[by * 32, f(k) * 32], A_s)\n            "
                          "T.copy(B[k * 32, bx * 32], B_s)\n            T.gemm(A_s, B_s, C_l)"), "OK"},
      {"list comprehension", WithBody("xs = [i * 32 for i in range(3)]\n            C_l[0, 0] = A_s[0, xs[5]] + 1.0"),
       "k.py:15:35: error: index 5 is out of range for 3 elements"},
      {"tuple unpacking in a kernel", WithBody("ka, kb = k * 32, bx * 32\n            T.copy(A[by * 32, ka], A_s)\n"
                                               "            T.copy(B[ka, kb], B_s)\n            T.gemm(A_s, B_s, C_l)"),
       "OK"},
      {"unpacking too few values in a kernel", WithBody("ka, kb = k * 32,"),
       "k.py:14:13: error: cannot unpack 1 value into 2 names"},
      {"buffer alias in a kernel", WithBody("A_alias = A_s\n            T.copy(A[by * 32, k * 32], A_alias)\n"
                                             "            T.copy(B[k * 32, bx * 32], B_s)\n            T.gemm(A_s, B_s, C_l)"),
       "OK"},
      {"slice bounds around a non-affine index", WithBody("kk = k % 2\n            T.copy(A[by * 32:(by + 1) * 32, kk * 32:(kk + 1) * 32], A_s)\n"
                                                          "            T.copy(B[k * 32, bx * 32], B_s)\n            T.gemm(A_s, B_s, C_l)"),
       "OK"},
      {"slice extent that depends on the block", WithBody("T.copy(A[by * 32:(by + 1) * 32, 0:bx + 1], A_s)"),
       "k.py:14:45: error: the extent of a region slice (stop - start) must be a compile-time constant, as in "
       "`A[by * 32:(by + 1) * 32]`"},
      {"assert in a kernel", WithBody("assert k < 0, \"k must be negative\""),
       "k.py:14:13: error: an assert on kernel values would run on the device; the TT backend has no device asserts "
       "(compile-time asserts on sizes are evaluated)"},
      {"string in arithmetic", WithBody("C_l[0, 0] = \"x\" * A_s[0, 0]"),
       "k.py:14:25: error: expected a number or a kernel expression, got string \"x\""},
      {"buffer as value", WithBody("C_l[0, 0] = A_s + 1"),
       "k.py:14:25: error: buffer 'A_s' used as a value; read an element with `A_s[i, j]`"},
      {"unknown math call", WithBody("C_l[0, 0] = T.exp3(A_s[0, 0])"),
       "k.py:14:25: error: T.exp3 is not a TileLang builtin that ttc knows; supported: T.Kernel, "
       "T.alloc_shared/fragment/local, T.copy, T.gemm, T.clear, T.fill, loops (T.serial, T.Pipelined, T.Parallel, "
       "T.grid, T.unroll), element-wise expressions (arithmetic, T.exp, T.sqrt, T.rsqrt, T.log, T.abs, T.tanh, "
       "T.sigmoid, T.relu, T.recip, T.cast, T.if_then_else, T.min, T.max)"},
      {"bad cast dtype", WithBody("C_l[0, 0] = T.cast(A_s[0, 0], \"float128\")"),
       "k.py:14:43: error: unknown dtype 'float128'; known: "},
      {"copy size mismatch (IR check)", WithBody("T.copy(A[0:16, 0:32], A_s)"),
       "k.py:14:13: error: source region [16, 32] of 'A' and destination region [32, 32] of 'A_s' have different "
       "sizes (512 vs 1024 elements)"},
      {"copy out of bounds (IR check)", WithBody("T.copy(A[48, 0], A_s)"),
       "k.py:14:13: error: region [48:80, 0:32] is out of bounds of 'A' with shape [64, 64]"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string got = FirstLine(c.script);
    if (c.expected.back() == ' ') {
      EXPECT_EQ(got.substr(0, c.expected.size()), c.expected);
    } else {
      EXPECT_EQ(got, c.expected);
    }
  }
}

TEST(FrontendErrors, ModuleAndSyntax) {
  const std::string good = WithBody(kGoodBody);
  const std::vector<Case> cases = {
      {"syntax: missing colon", absl::StrReplaceAll(good, {{"for k in T.serial(2):", "for k in T.serial(2)"}}),
       "k.py:13:29: error: expected ':' after the for header, got end of line"},
      {"syntax: unclosed paren", "x = (1,\n", "k.py:1:5: error: '(' was never closed"},
      {"syntax: mismatched bracket", "x = (1]\n", "k.py:1:7: error: closing ']' does not match '(' opened at 1:5"},
      {"syntax: bad character", "x = 1 $ 2\n", "k.py:1:7: error: invalid character '$'"},
      {"syntax: unterminated string", "x = \"abc\n", "k.py:1:5: error: unterminated string literal (a string ends on its line; use \"\"\" for more)"},
      {"syntax: unexpected indent", "x = 1\n  y = 2\n", "k.py:2:3: error: unexpected indent"},
      {"syntax: bad dedent", "def f():\n    x = 1\n  y = 2\n", "k.py:3:3: error: unindent does not match any outer indentation level"},
      {"syntax: non-ASCII", "x = 1 \xc3\xa9\n", "k.py:1:7: error: invalid non-ASCII character (only ASCII is accepted outside strings and comments)"},
      {"tabs and spaces in one line", "def f():\n \tx = 1\n",
       "k.py:2:1: error: inconsistent use of tabs and spaces in indentation: this line indents with both; indent with spaces only"},
      {"tabs after spaces", "def f():\n    x = 1\n    if x:\n\t\ty = 2\n",
       "k.py:4:1: error: inconsistent use of tabs and spaces in indentation: this line indents with tabs, line 2 with spaces"},
      {"class in a kernel", WithBody("class K:\n                pass"),
       "k.py:14:13: error: this Python statement cannot be part of a kernel; kernel statements are T.copy, T.gemm, "
       "T.clear, T.fill, assignments, loops and `if`"},
      {"undefined module constant", absl::StrReplaceAll(good, {{"N = 64", "M = 64"}}), "k.py:7:23: error: name 'N' is not defined"},
      {"shape must be int", absl::StrReplaceAll(good, {{"N = 64", "N = 64.0"}}),
       "k.py:7:23: error: a buffer shape needs compile-time integers, got float 64"},
      {"shape from true division", absl::StrReplaceAll(good, {{"N = 64", "N = 128 / 2"}}),
       "k.py:7:23: error: a buffer shape needs compile-time integers, got float 64"},
      {"bad dtype", absl::StrReplaceAll(good, {{"B: T.Buffer((N, N), \"bfloat16\")", "B: T.Buffer((N, N), \"bf17\")"}}),
       "k.py:7:63: error: unknown dtype 'bf17'; known: "},
      {"parameter without annotation", absl::StrReplaceAll(good, {{"B: T.Buffer((N, N), \"bfloat16\")", "B"}}),
       "k.py:7:43: error: kernel parameter 'B' needs a buffer annotation, e.g. `B: T.Buffer((M, N), \"bfloat16\")`"},
      {"kernel extents", absl::StrReplaceAll(good, {{"T.Kernel(2, 2)", "T.Kernel(2, 2, 2, 2)"}}),
       "k.py:8:10: error: T.Kernel expects 1 to 3 grid extents (gx[, gy[, gz]]), got 4"},
      {"kernel extent type", absl::StrReplaceAll(good, {{"T.Kernel(2, 2)", "T.Kernel(2, \"2\")"}}),
       "k.py:8:22: error: a T.Kernel grid extent must be a compile-time integer, got string \"2\""},
      {"block names", absl::StrReplaceAll(good, {{"as (bx, by)", "as (bx, by, bz)"}}),
       "k.py:8:28: error: T.Kernel has 2 grid extents but 3 block index names follow 'as'"},
      {"no kernel", "M = 1\nfor i in range(3):\n    pass\n",
       "k.py: error: no kernel found: define a @T.prim_func, call the factory that returns one (`kernel = "
       "matmul(1024, 1024, 1024, 128, 128, 32)`), or compile an eager kernel (`matmul.compile(M=1024, ...)`), at "
       "module level or in main()"},
      {"factory never called", "import tilelang\n\n@tilelang.jit\ndef mm(M, N, block=32):\n    pass\n",
       "k.py: error: no kernel found: define a @T.prim_func, call the factory that returns one (`kernel = "
       "matmul(1024, 1024, 1024, 128, 128, 32)`), or compile an eager kernel (`matmul.compile(M=1024, ...)`), at "
       "module level or in main(); 'mm' (line 4) is never called (it needs M, N)"},
      {"factory arity", "def f(a, b):\n    return a\n\nk = f(1, 2, 3)\n",
       "k.py:4:5: error: f() takes 2 positional arguments, got 3"},
      {"factory missing argument", "def f(a, b):\n    return a\n\nk = f(1)\n", "k.py:4:5: error: f() is missing the argument 'b'"},
      {"host module in a kernel builder", absl::StrReplaceAll(good, {{"N = 64", "import torch\nN = 64"},
                                                                      {"C_l = T.alloc_fragment((32, 32), \"float32\")",
                                                                       "C_l = T.alloc_fragment(torch.zeros(32).shape, \"float32\")"}}),
       "k.py:12:32: error: module 'torch' is host code: a kernel cannot use torch.zeros (ttc evaluates kernel "
       "definitions, not host code)"},
      {"division by zero", "x = 1 // 0\n", "k.py:1:7: error: division by zero"},
      {"overflow", "x = 2 ** 64\n", "k.py:1:7: error: integer overflow in a compile-time expression (64-bit)"},
      {"integer literal too large", "x = 99999999999999999999\n", "k.py:1:5: error: integer literal '99999999999999999999' does not fit in 64 bits"},
      {"string not UTF-8", "x = \"\xff\"\n", "k.py:1:5: error: string literal is not valid UTF-8"},
      {"f-string", "x = f\"{1 +}\"\n", "k.py:1:11: error: expected an expression, got ')'"},
      {"f-string single brace", "x = f\"a}b\"\n", "k.py:1:8: error: f-string: single '}' is not allowed (write '}}' for a literal brace)"},
      {"f-string conversion", "x = f\"{1!x}\"\n", "k.py:1:9: error: f-string: invalid conversion character: expected 's', 'r', or 'a'"},
      {"failing assert in a factory", "def f(n):\n    assert n % 32 == 0, f\"n={n} is not a multiple of 32\"\n    return n\nk = f(48)\n",
       "k.py:2:5: error: assertion failed: n=48 is not a multiple of 32"},
      {"walrus target", "x = ((a.b) := 1)\n", "k.py:1:7: error: the target of ':=' must be a name"},
      {"keyword repeated", "x = dict(a=1, a=2)\n", "k.py:1:15: error: keyword argument 'a' repeated"},
      {"positional after keyword", "x = dict(a=1, 2)\n", "k.py:1:15: error: positional argument follows keyword argument"},
      {"bare star last", "def f(a, *):\n    pass\n", "k.py:1:10: error: named parameters must follow a bare '*'"},
      {"unparenthesized generator", "x = f(a for a in b, 1)\n",
       "k.py:1:7: error: a generator expression must be parenthesized unless it is the only argument"},
      {"layout of unknown buffer", good + "annotate_tt_layout(main, {\"Q\": {\"memory\": \"L1\"}})\n",
       "k.py:18:27: error: annotate_tt_layout: string \"Q\" is not a parameter of kernel 'main' (A, B, C)"},
      {"layout unknown key", good + "annotate_tt_layout(main, {\"A\": {\"memroy\": \"L1\"}})\n",
       "k.py:18:33: error: unknown key string \"memroy\" in the layout of 'A'; known: memory, layout, tile_shape, "
       "dtype, nd_shard, cb_depth, data_format, halo, needs_padding, padded_shape"},
      {"layout location is not a key", good + "annotate_tt_layout(main, {\"A\": {\"loc\": 1}})\n",
       "k.py:18:33: error: unknown key string \"loc\" in the layout of 'A'; known: memory, layout, tile_shape, "
       "dtype, nd_shard, cb_depth, data_format, halo, needs_padding, padded_shape"},
      {"schedule location is not a key", good + "annotate_tt_schedule(main, {\"loc\": 1})\n",
       "k.py:18:29: error: unknown key string \"loc\" in the schedule; known: partition_mode, order, grid_tiles, "
       "shard_grid, local_shape_tiles"},
      {"layout wrong type", good + "annotate_tt_layout(main, {\"A\": {\"tile_shape\": 32}})\n",
       "k.py:18:47: error: 'tile_shape' in the layout of 'A' must be a list, got integer 32"},
      {"schedule wrong type", good + "annotate_tt_schedule(main, {\"partition_mode\": 1})\n",
       "k.py:18:47: error: 'partition_mode' in the schedule must be a string, got integer 1"},
      {"annotate arity", good + "annotate_tt_schedule(main)\n",
       "k.py:18:1: error: annotate_tt_schedule expects (func, {...}), got 1 argument"},
      {"unknown target", "# ttc: target=wormhole\n" + good,
       "k.py:1:15: error: unknown target 'wormhole'; known: wormhole_b0, blackhole, grayskull"},
      {"unknown directive", "# ttc: speed=fast\n" + good,
       "k.py:1:8: error: unknown ttc directive 'speed=fast'; the directive is `# ttc: target=NAME`"},
      {"deep nesting", "x = " + std::string(300, '-') + "1\n",
       "k.py:1:105: error: expression is too deeply nested (more than 200 levels)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string got = FirstLine(c.script);
    if (c.expected.back() == ' ') {
      EXPECT_EQ(got.substr(0, c.expected.size()), c.expected);
    } else {
      EXPECT_EQ(got, c.expected);
    }
  }
}

// The request's size limits (ir/request_limits.h), checked when the script becomes a request,
// are located at the construct past the limit.
TEST(FrontendErrors, SizeLimits) {
  const std::string good = WithBody(kGoodBody);
  const std::string n257(257, 'n');
  const std::string too_long = absl::StrCat("'", std::string(32, 'n'), "...' is 257 bytes; names and other strings ",
                                            "of a request are at most 256 bytes (kMaxNameBytes)");
  const std::vector<Case> cases = {
      {"buffer name", absl::StrReplaceAll(good, {{"A_s", n257}}), absl::StrCat("k.py:9:9: error: ", too_long)},
      {"kernel name", absl::StrReplaceAll(good, {{"def main(", absl::StrCat("def ", n257, "(")}}),
       absl::StrCat("k.py:7:1: error: ", too_long)},
      {"name at the limit", absl::StrReplaceAll(good, {{"A_s", std::string(256, 'n')}}), "OK"},
      {"launch blocks", absl::StrReplaceAll(good, {{"T.Kernel(2, 2)", "T.Kernel(65536, 65537)"}}),
       "k.py:8:10: error: T.Kernel(65536, 65537) launches more than 4294967296 blocks, the most a kernel may launch "
       "(kMaxLaunchBlocks: TT-Metalium kernels number them with uint32_t)"},
      {"buffer elements", absl::StrReplaceAll(good, {{"N = 64", "N = 262144"}}),
       "k.py:7:10: error: buffer 'A' of shape [262144, 262144] has more than 34359738368 elements, the most a buffer "
       "may have (kMaxBufferElements: more than the DRAM of any target holds)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(FirstLine(c.script), c.expected);
  }
}

TEST(FrontendErrors, DiagnosticShowsTheSourceLineAndACaret) {
  auto r = frontend::ParseTileLangScript(WithBody("T.copy(A[by * 32, k * 32], A_s, B_s)"), "k.py", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(r.status().message()),
            "k.py:14:13: error: T.copy expects (src, dst), got 3 arguments\n"
            "            T.copy(A[by * 32, k * 32], A_s, B_s)\n"
            "            ^");
}

TEST(FrontendErrors, FuncSelection) {
  const std::string two = std::string(kKernel).substr(0, std::string(kKernel).find("@T.prim_func")) +
                          "def make(n):\n    @T.prim_func\n    def k(A: T.Buffer((n, 32), \"bfloat16\"), B: T.Buffer((n, 32), "
                          "\"bfloat16\")):\n        with T.Kernel(1) as bx:\n            T.copy(A, B)\n    return k\n\n"
                          "small = make(32)\nbig = make(64)\n";
  EXPECT_EQ(FirstLine(two), "k.py: error: the file builds several kernels (small (n=32); big (n=64)); choose one with "
                            "--func NAME (the name it is bound to, its factory or its @T.prim_func), and sizes with "
                            "--define NAME=VALUE");
  frontend::LoadOptions opts;
  opts.func_name = "big";
  auto big = frontend::ParseTileLangScript(two, "k.py", opts);
  ASSERT_TRUE(big.ok()) << big.status().message();
  EXPECT_EQ(big->func().name(), "k");
  EXPECT_EQ(big->func().params(0).shape(0), 64);
  opts.func_name = "k";
  EXPECT_EQ(std::string(frontend::ParseTileLangScript(two, "k.py", opts).status().message()),
            "k.py: error: several kernels match 'k' (small (n=32); big (n=64)); choose one with --func NAME (the name "
            "it is bound to, its factory or its @T.prim_func), and sizes with --define NAME=VALUE");
  opts.func_name = "nope";
  EXPECT_EQ(std::string(frontend::ParseTileLangScript(two, "k.py", opts).status().message()),
            "k.py: error: no kernel named 'nope'; the file builds small (n=32), big (n=64)");
}

// TileLang's torch.autograd.Function wrappers: the factory is called inside `forward`, which
// `Fn.apply(...)` runs; the sizes come from the harness tensors' shapes and a dict keyed by
// torch dtypes.
TEST(FrontendErrors, FactoryCalledFromAnAutogradFunctionIsFound) {
  const std::string prefix = std::string(kKernel).substr(0, std::string(kKernel).find("@T.prim_func"));
  const std::string file = "import torch\n" + prefix +
                           "def make(n, dtype):\n    @T.prim_func\n    def k(A: T.Buffer((n, 32), dtype), B: "
                           "T.Buffer((n, 32), dtype)):\n        with T.Kernel(1) as bx:\n            T.copy(A, B)\n"
                           "    return k\n\n"
                           "DTYPES = {torch.float16: \"float16\", torch.bfloat16: \"bfloat16\"}\n\n"
                           "class Fn(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
                           "        n, _ = x.shape\n        kernel = make(n, DTYPES[x.dtype])\n"
                           "        y, z = kernel(x)\n        ctx.save_for_backward(x)\n        return y\n\n"
                           "if __name__ == \"__main__\":\n    x = torch.empty(96, 32, dtype=torch.bfloat16, device=\"cuda\")"
                           ".normal_().requires_grad_() / 10\n"
                           "    y = Fn.apply(x)\n";
  auto r = frontend::ParseTileLangScript(file, "k.py", {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->func().name(), "k");
  EXPECT_EQ(r->func().params(0).shape(0), 96);
  EXPECT_EQ(r->func().params(0).dtype(), "bfloat16");
}

TEST(FrontendErrors, TargetDirectiveSetsThePreset) {
  auto r = frontend::ParseTileLangScript("# ttc: target=blackhole\n" + WithBody(kGoodBody), "k.py", {});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->target().preset(), "blackhole");
  auto d = frontend::ParseTileLangScript(WithBody(kGoodBody), "k.py", {});
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->target().preset(), "wormhole_b0");
}

}  // namespace
}  // namespace ttc
