// ttc emulator: the classic command queue (tt-metalium/command_queue.hpp). A device's queue
// (IDevice::command_queue) runs each command when it is enqueued; Finish returns at once.
#pragma once

#include <tt-metalium/device.hpp>

namespace tt::tt_metal {
class CommandQueue;
}  // namespace tt::tt_metal
