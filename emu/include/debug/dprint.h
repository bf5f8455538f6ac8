// ttc emulator: the TT-Metalium header of this path; the API lives in ttc_emu/dprint.h.
#pragma once
#include "ttc_emu/dprint.h"
