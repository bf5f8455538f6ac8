// ttc's functional TT-Metalium emulator: its host API is TT-Metalium's, in the TT-named
// headers of include/tt-metalium/ (host_api.hpp: the classic device/queue generation;
// distributed.hpp: the MeshDevice generation). This header gathers them.
#pragma once

#include <tt-metalium/distributed.hpp>
#include <tt-metalium/host_api.hpp>
#include <tt-metalium/tensor_accessor_args.hpp>
