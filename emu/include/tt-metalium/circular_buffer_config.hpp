// ttc emulator: circular-buffer configuration (tt-metalium/circular_buffer_config.hpp). One
// config may name several CB indices (each with its data format and page size); the number of
// pages of each is total_size / page_size. set_globally_allocated_address places the CB on an
// L1 buffer's memory (each core's part of a sharded buffer).
#pragma once

#include <cstdint>
#include <map>
#include <optional>

#include <tt-metalium/buffer.hpp>
#include <tt-metalium/tt_backend_api_types.hpp>

namespace tt::tt_metal {

using CBHandle = std::uintptr_t;

class CircularBufferConfig {
public:
    CircularBufferConfig(std::uint32_t total_size) : total_size_(total_size) {}
    CircularBufferConfig(std::uint32_t total_size, const std::map<std::uint8_t, tt::DataFormat>& data_format_spec)
        : total_size_(total_size), formats_(data_format_spec) {}
    CircularBufferConfig(std::uint32_t total_size, const std::map<std::uint8_t, tt::DataFormat>& data_format_spec,
                         const Buffer& buffer)
        : total_size_(total_size), formats_(data_format_spec), global_buffer_(&buffer) {}

    CircularBufferConfig& set_page_size(std::uint8_t buffer_index, std::uint32_t page_size) {
        page_sizes_[buffer_index] = page_size;
        return *this;
    }
    CircularBufferConfig& set_total_size(std::uint32_t total_size) {
        total_size_ = total_size;
        return *this;
    }
    CircularBufferConfig& set_globally_allocated_address(const Buffer& buffer) {
        global_buffer_ = &buffer;
        return *this;
    }
    CircularBufferConfig& set_data_format(std::uint8_t buffer_index, tt::DataFormat data_format) {
        formats_[buffer_index] = data_format;
        return *this;
    }

    std::uint32_t total_size() const { return total_size_; }
    std::optional<std::uint32_t> globally_allocated_address() const {
        return global_buffer_ ? std::optional<std::uint32_t>(global_buffer_->address()) : std::nullopt;
    }
    const std::map<std::uint8_t, tt::DataFormat>& data_formats() const { return formats_; }
    const std::map<std::uint8_t, std::uint32_t>& page_sizes() const { return page_sizes_; }
    // The buffer whose memory holds the CB, if any.
    const Buffer* globally_allocated_buffer() const { return global_buffer_; }

private:
    std::uint32_t total_size_;
    std::map<std::uint8_t, tt::DataFormat> formats_;
    std::map<std::uint8_t, std::uint32_t> page_sizes_;
    const Buffer* global_buffer_ = nullptr;
};

}  // namespace tt::tt_metal
