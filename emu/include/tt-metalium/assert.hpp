// ttc emulator: the TT-Metalium header of this path; the macros live in tt_stl/assert.hpp.
#pragma once
#include <tt_stl/assert.hpp>
