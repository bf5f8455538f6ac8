// ttc emulator: tt::align (tt-metalium/tt_align.hpp): an address rounded up to an alignment.
#pragma once

#include <tt-metalium/math.hpp>

namespace tt::tt_metal {
using tt::align;
}  // namespace tt::tt_metal
