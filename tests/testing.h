// Helpers shared by the unit tests: building requests from text format, running the
// pipeline, and reading attributes.
#ifndef TTC_TESTS_TESTING_H_
#define TTC_TESTS_TESTING_H_

#include <string>
#include <vector>

#include "driver/compile.h"
#include "ttc/v1/request.pb.h"

namespace ttc::testing {

// Parses a KernelRequest in protobuf text format; fails the test (and returns an empty
// request) when it does not parse.
v1::KernelRequest ParseRequestText(const std::string& text);

// Reads examples/<name>.textproto from the source tree.
v1::KernelRequest LoadExample(const std::string& name);

// Compiles with the given pass list ("" = the whole pipeline) and target override.
CompileResult CompileWith(const v1::KernelRequest& req, const std::string& passes = "",
                          const std::string& target = "");

// The error messages reported, in order (warnings and notes excluded).
std::vector<std::string> Errors(const CompileResult& r);

// A request for `T.Kernel(extents...)` with global buffers A, B, C of `shape` and dtype,
// and a body that copies A and B into 32x32 shared tiles, adds them (a T.grid nest into the
// fragment C_tile) and copies C_tile to C: a complete program for the whole pipeline (the
// lowering rejects an output that nothing computes). Tests add layouts and schedules to it.
v1::KernelRequest SimpleRequest(const std::vector<int64_t>& extents, const std::vector<int64_t>& shape,
                                const std::string& dtype = "bfloat16");

// eltwise_add_256_bf16 with its A_tile renamed to a 256-byte name (kMaxNameBytes) and the
// copy of A into it made `copies` times: within every request limit up to 9992 copies, but
// each copy adds reader and compute code that repeats the name, so that 9000 copies generate
// about 18 MB, past kMaxGeneratedBytes (16 MiB).
v1::KernelRequest ManyCopiesRequest(int copies);

}  // namespace ttc::testing

#endif  // TTC_TESTS_TESTING_H_
