// ttc emulator: the TT-Metalium host header of this path; the API lives in ttc_emu/host.hpp.
#pragma once
#include "ttc_emu/host.hpp"
