// ttc emulator: a program (tt-metalium/program.hpp): kernels, circular buffers, semaphores and
// runtime arguments, built and run by EnqueueProgram (or a MeshWorkload). Move-only.
#pragma once

#include <memory>

namespace tt::tt_metal {

class Program {
public:
    struct Impl;
    Program();
    Program(const Program&) = delete;
    Program& operator=(const Program&) = delete;
    Program(Program&& other) noexcept;
    Program& operator=(Program&& other) noexcept;
    ~Program();
    Impl& impl() const { return *impl_; }

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace tt::tt_metal
