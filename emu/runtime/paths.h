// Where the emulator finds things on disk: kernel sources named to CreateKernel, resolved as
// TT-Metalium resolves them, and the emulator's own headers (which kernels are compiled against).
#pragma once

#include <string>
#include <vector>

namespace ttc::emu {

// TT-Metalium's root directory (the directory holding tt_metal/), as TT's runtime options find it:
// $TT_METAL_RUNTIME_ROOT (TT-Metalium from 2025-10 on), else $TT_METAL_HOME (the older releases),
// else the current directory when it has a tt_metal/ subdirectory; empty when none applies.
std::string KernelRootDir();

// The places TT-Metalium looks for the kernel source `file`, in order: `file` itself (absolute, or
// relative to the current directory), <root>/file, $TT_METAL_KERNEL_PATH/file, and the system
// kernel directory /usr/share/tenstorrent/kernels/file (where TT's packages install kernels).
std::vector<std::string> KernelSearchPaths(const std::string& file);

// The first of KernelSearchPaths(file) that exists, made absolute (a later chdir does not change
// which file the kernel is). Throws std::runtime_error naming every path searched when none
// exists, or when `file` is an absolute path that does not exist (as TT-Metalium's CreateKernel).
std::string ResolveKernelPath(const std::string& file);

// The emulator's kernel headers (dataflow_api.h, compute_kernel_api/, ...): $TTC_EMU_INCLUDE_DIR,
// else the installed headers next to the library (<prefix>/lib/ttc/libttc_emu.so ->
// <prefix>/share/ttc/emu/include), else the source tree's emu/include this library was built from.
std::string EmuIncludeDir();

}  // namespace ttc::emu
