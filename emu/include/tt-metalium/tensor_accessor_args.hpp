// ttc emulator: the host half of TensorAccessorArgs (tt-metalium/tensor_accessor_args.hpp):
// append_to adds a buffer's compile-time arguments for the kernel's TensorAccessorArgs<N>:
// [config bits (1: sharded, 2: DRAM), aligned page size]. A MeshBuffer stands for its buffer
// on each device (the same address and layout on every device).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <tt-metalium/buffer.hpp>

namespace tt::tt_metal {

namespace distributed {
class MeshBuffer;
}  // namespace distributed

class TensorAccessorArgs {
public:
    explicit TensorAccessorArgs(const Buffer& buffer) : buffer_(&buffer) {}
    explicit TensorAccessorArgs(const Buffer* buffer) : buffer_(buffer) {}
    explicit TensorAccessorArgs(const std::shared_ptr<Buffer>& buffer) : buffer_(buffer.get()) {}
    explicit TensorAccessorArgs(const distributed::MeshBuffer& buffer);
    explicit TensorAccessorArgs(const std::shared_ptr<distributed::MeshBuffer>& buffer);

    void append_to(std::vector<std::uint32_t>& compile_time_args) const;
    // The same as append_to (TT-Metalium's newer name); the emulator has no common runtime
    // arguments for accessors, so the second form leaves them unchanged.
    void append_args(std::vector<std::uint32_t>& compile_time_args) const { append_to(compile_time_args); }
    void append_args(std::vector<std::uint32_t>& compile_time_args, std::vector<std::uint32_t>&) const {
        append_to(compile_time_args);
    }
    std::vector<std::uint32_t> get_compile_time_args() const {
        std::vector<std::uint32_t> args;
        append_to(args);
        return args;
    }
    std::vector<std::uint32_t> get_common_runtime_args() const { return {}; }

private:
    const Buffer* buffer_;
};

}  // namespace tt::tt_metal
