// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated sources are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job.
//
// Names from tt-metal `tt_metal/hostdevcommon/api/hostdevcommon/kernel_structs.h`, as quoted in
// shared/reference/TT_METALIUM_API.md section 3.1. Shared by kernels and host code.
#pragma once

#include <cstdint>

namespace tt {

// Circular-buffer indices. The classic tree (and Wormhole) has 32 CBs; current main has
// c_0..c_63 on Blackhole. By convention inputs use 0-7, outputs 16-23, intermediates 24-31.
enum CBIndex : std::uint8_t {
    c_0 = 0, c_1 = 1, c_2 = 2, c_3 = 3, c_4 = 4, c_5 = 5, c_6 = 6, c_7 = 7,
    c_8 = 8, c_9 = 9, c_10 = 10, c_11 = 11, c_12 = 12, c_13 = 13, c_14 = 14, c_15 = 15,
    c_16 = 16, c_17 = 17, c_18 = 18, c_19 = 19, c_20 = 20, c_21 = 21, c_22 = 22, c_23 = 23,
    c_24 = 24, c_25 = 25, c_26 = 26, c_27 = 27, c_28 = 28, c_29 = 29, c_30 = 30, c_31 = 31,
};

}  // namespace tt
