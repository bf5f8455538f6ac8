// ttc emulator: CB indices (hostdevcommon/kernel_structs.h).
#pragma once
#include "ttc_emu/cb_index.h"
