// ttc emulator: a 2-D shape (tt-metalium/shape2d.hpp): height x width.
#pragma once

#include <cstddef>
#include <ostream>

namespace tt::tt_metal {

class Shape2D {
public:
    Shape2D(std::size_t height, std::size_t width) : height_(height), width_(width) {}
    std::size_t height() const { return height_; }
    std::size_t width() const { return width_; }
    bool operator==(const Shape2D& other) const = default;
    friend std::ostream& operator<<(std::ostream& os, const Shape2D& s) {
        return os << "Shape2D(" << s.height_ << ", " << s.width_ << ")";
    }

private:
    std::size_t height_;
    std::size_t width_;
};

namespace distributed {
using tt::tt_metal::Shape2D;
}  // namespace distributed

}  // namespace tt::tt_metal
