// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated host programs are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions and member functions are
// declared, never defined.
//
// A program (kernels, CBs and runtime args over a set of cores), from tt-metal
// `tt_metal/api/tt-metalium/program.hpp`. Move-only, as the real class.
#pragma once

namespace tt::tt_metal {

class Program {
public:
    Program();
    Program(const Program&) = delete;
    Program& operator=(const Program&) = delete;
    Program(Program&& other) noexcept;
    Program& operator=(Program&& other) noexcept;
    ~Program();
};

}  // namespace tt::tt_metal
