// ttc emulator: the TT-Metalium header of this path; the API lives in ttc_emu/compute.h.
#pragma once
#include "ttc_emu/compute.h"
