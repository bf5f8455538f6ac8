// The emulated device's memories (emu/runtime/device.h): twelve growable DRAM banks and the
// cores' L1, all of it in one memory file (memfd) mapped once for the emulator's own access;
// the L1 window (emu/runtime/l1_window.h) maps one core's part of the same file at the
// addresses kernels use.
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "emu/runtime/device.h"

namespace ttc::emu {

size_t Device::l1_stride() {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (kL1Bytes + page - 1) / page * page;
}

Device::Device() : dram_(kDramBanks) {
  const size_t cores = kGridRows * kGridCols, bytes = cores * l1_stride();
  l1_fd_ = memfd_create("ttc-emu-l1", MFD_CLOEXEC);
  if (l1_fd_ < 0 || ftruncate(l1_fd_, static_cast<off_t>(bytes)) != 0) {
    const std::string why = std::strerror(errno);
    if (l1_fd_ >= 0) ::close(l1_fd_);
    throw std::runtime_error("emulated device: cannot create its L1 memory file: " + why);
  }
  void* map = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, l1_fd_, 0);
  if (map == MAP_FAILED) {
    const std::string why = std::strerror(errno);
    ::close(l1_fd_);
    throw std::runtime_error("emulated device: cannot map its L1: " + why);
  }
  l1_map_ = static_cast<uint8_t*>(map);
  l1_.reserve(cores);
  for (size_t i = 0; i < cores; ++i) l1_.emplace_back(l1_map_ + i * l1_stride(), kL1Bytes);
}

Device::~Device() {
  munmap(l1_map_, kGridRows * kGridCols * l1_stride());
  ::close(l1_fd_);
}

}  // namespace ttc::emu
