// ttc emulator: the TT-Metalium dataflow kernel API; it lives in ttc_emu/dataflow.h.
#pragma once
#include "ttc_emu/dataflow.h"
