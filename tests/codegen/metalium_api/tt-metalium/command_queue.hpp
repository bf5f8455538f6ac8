// Declaration-only test surface for syntax checks of generated code, API dialect
// "metalium-classic". Nothing here runs: generated host programs are compiled against these
// headers with `g++ -fsyntax-only` (tests/codegen/syntax_check.sh); the working
// implementation of the same names is the emulator's job. Functions and member functions are
// declared, never defined.
//
// The command queue, from tt-metal `tt_metal/api/tt-metalium/command_queue.hpp` (classic API,
// TT_METALIUM_API.md section 3.1). Only used by reference (`device->command_queue()`), so it
// stays an incomplete type: copying a queue does not compile, as with the real abstract class.
#pragma once

namespace tt::tt_metal {

class CommandQueue;

}  // namespace tt::tt_metal
