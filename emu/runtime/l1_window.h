// The L1 window: kernels see their own core's L1 at the addresses TT-Metalium gives them.
// TT kernels turn L1 addresses (get_write_ptr, get_semaphore, the addresses of L1 buffers the
// host passes) into pointers and read and write through them; on a card every core has its
// own L1 at the same addresses. The emulator reserves the process's addresses
// [kWindowBase, kL1Bytes) and maps there, on demand, the L1 of the core whose kernel touches
// it: the first access faults, the fault handler maps that core's part of the device's L1
// file (emu/runtime/device.h) and the access goes on. While one core's L1 is mapped no other
// core's thread runs kernel code (threads of other cores wait when they return from an API
// call); the mapping is dropped at the next API call of the thread that made it. Kernels
// that never touch L1 through pointers pay two atomic flags per API call and nothing else;
// the emulator itself always reaches L1 through the device's own mapping.
// Thread-safety: one run at a time per process (EnqueueProgram serialises runs).
#pragma once

#include <vector>

#include "emu/runtime/kernel_thread.h"

namespace ttc::emu::window {

inline constexpr uint32_t kWindowBase = 0x10000;  // L1 below this is the firmware's

// Prepares the window for a run of `threads` on `device` (installs the fault handler on the
// first call). The window starts unmapped.
void BeginRun(Device& device, const std::vector<KernelThread*>& threads);
// Unmaps the window after the run's threads have ended.
void EndRun();

// `t` starts or resumes running kernel code (thread start, return from an API call): waits
// while another core's L1 is in the window.
void EnterKernelCode(KernelThread& t);
// `t` stops running kernel code (API call, end of the kernel): drops the window if `t` mapped it.
void LeaveKernelCode(KernelThread& t);

}  // namespace ttc::emu::window
