// Requests shared by the IR unit tests. kRichKernel is a valid KernelRequest (text format)
// that uses every statement kind and most expression kinds; the tests mutate one field of it
// and look at what changes. Its body, by index:
//   [0] A_shared = T.alloc_shared((32, 32), "bfloat16")
//   [1] B_shared = T.alloc_shared((32, 32), "bfloat16")
//   [2] C_local = T.alloc_fragment((32, 32), "float32")
//   [3] T.clear(C_local)
//   [4] for k in T.Pipelined(8, num_stages=2):
//         [0] T.copy(A[by * 32, k * 32], A_shared)
//         [1] T.copy(B[k * 32, bx * 32], B_shared)
//         [2] T.gemm(A_shared, B_shared, C_local)
//   [5] T.copy(C_local, C[by * 32, bx * 32])
//   [6] t = bx + 1
//       [0] if t < 8:
//             [0] C_local[0, t] = T.exp(C_local[0, 0])
//           else:
//             [0] T.evaluate(T.relu(1.5))
#ifndef TTC_TESTS_IR_IR_TEST_KERNELS_H_
#define TTC_TESTS_IR_IR_TEST_KERNELS_H_

namespace ttc::testing {

inline constexpr char kRichKernel[] = R"pb(
func {
  name: "main"
  params { name: "A" shape: [256, 256] dtype: "bfloat16" }
  params { name: "B" shape: [256, 256] dtype: "bfloat16" }
  params { name: "C" shape: [256, 256] dtype: "bfloat16" }
  grid { extents: [8, 8] vars: ["bx", "by"] }
  body { alloc { buffer { name: "A_shared" shape: [32, 32] dtype: "bfloat16" scope: "shared" } } }
  body { alloc { buffer { name: "B_shared" shape: [32, 32] dtype: "bfloat16" scope: "shared" } } }
  body { alloc { buffer { name: "C_local" shape: [32, 32] dtype: "float32" scope: "fragment" } } }
  body { fill { buffer: "C_local" value { int_imm: 0 } } }
  body {
    for_loop {
      var: "k"
      extent { int_imm: 8 }
      kind: PIPELINED
      num_stages: 2
      body {
        copy {
          src {
            buffer: "A"
            begin { binary { op: MUL a { var: "by" } b { int_imm: 32 } } }
            begin { binary { op: MUL a { var: "k" } b { int_imm: 32 } } }
          }
          dst { buffer: "A_shared" }
        }
      }
      body {
        copy {
          src {
            buffer: "B"
            begin { binary { op: MUL a { var: "k" } b { int_imm: 32 } } }
            begin { binary { op: MUL a { var: "bx" } b { int_imm: 32 } } }
          }
          dst { buffer: "B_shared" }
        }
      }
      body { gemm { a: "A_shared" b: "B_shared" c: "C_local" } }
    }
  }
  body {
    copy {
      src { buffer: "C_local" }
      dst {
        buffer: "C"
        begin { binary { op: MUL a { var: "by" } b { int_imm: 32 } } }
        begin { binary { op: MUL a { var: "bx" } b { int_imm: 32 } } }
      }
    }
  }
  body {
    let {
      var: "t"
      value { binary { op: ADD a { var: "bx" } b { int_imm: 1 } } }
      body {
        if_then_else {
          condition { binary { op: LT a { var: "t" } b { int_imm: 8 } } }
          then_body {
            store {
              buffer: "C_local"
              indices { int_imm: 0 }
              indices { var: "t" }
              value {
                call {
                  name: "exp"
                  args { load { buffer: "C_local" indices { int_imm: 0 } indices { int_imm: 0 } } }
                }
              }
            }
          }
          else_body { evaluate { value { call { name: "relu" args { float_imm: 1.5 } } } } }
        }
      }
    }
  }
  attrs { key: "tt_tile_height" value { int_value: 32 } }
}
target { preset: "wormhole_b0" }
)pb";

}  // namespace ttc::testing

#endif  // TTC_TESTS_IR_IR_TEST_KERNELS_H_
