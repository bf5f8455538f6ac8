// ttc emulator: dispatch-core settings (tt-metalium/dispatch_core_common.hpp). The emulator has
// no dispatch cores: the settings are accepted and have no effect.
#pragma once

#include <cstdint>

namespace tt::tt_metal {

enum class DispatchCoreType : std::uint32_t { WORKER, ETH, COUNT };

enum class DispatchCoreAxis { ROW, COL, COUNT };

class DispatchCoreConfig {
public:
    DispatchCoreConfig(DispatchCoreType type = DispatchCoreType::WORKER) : type_(type) {}
    DispatchCoreConfig(DispatchCoreType type, DispatchCoreAxis axis) : type_(type), axis_(axis) {}
    DispatchCoreType get_dispatch_core_type() const { return type_; }
    DispatchCoreAxis get_dispatch_core_axis() const { return axis_; }
    bool operator==(const DispatchCoreConfig&) const = default;

private:
    DispatchCoreType type_;
    DispatchCoreAxis axis_ = DispatchCoreAxis::ROW;
};

}  // namespace tt::tt_metal
