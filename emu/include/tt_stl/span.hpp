// ttc emulator: tt::stl::Span (tt_stl/span.hpp), a contiguous view; std::span here.
#pragma once

#include <cstddef>
#include <span>

namespace tt::stl {
template <typename T, std::size_t Extent = std::dynamic_extent>
using Span = std::span<T, Extent>;
}  // namespace tt::stl

namespace ttsl {
using tt::stl::Span;
}  // namespace ttsl
