// DPRINT (debug/dprint.h) prints as TT-Metalium's print server does: nothing unless
// TT_METAL_DPRINT_CORES selects the core, line by line on stdout, each line prefixed
// "0:(x=<x>,y=<y>):<RISC>: " with the core's NoC coordinates (off with
// TT_METAL_DPRINT_PREPEND_DEVICE_CORE_RISC=0), RISCs chosen by TT_METAL_DPRINT_RISCVS; typed
// values and stream manipulators; DPRINT_DATA0/1 by the kernel's NoC; in compute kernels one
// line per TRISC, or one TRISC with DPRINT_UNPACK/MATH/PACK; TileSlice of a CB tile.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "tests/emu/emu_fixture.h"

namespace ttc::emu::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace tt::tt_metal;

class DprintTest : public EmuKernelTest {
 protected:
  void SetUp() override {
    EmuKernelTest::SetUp();
    for (const char* v : kVars) unsetenv(v);
  }
  void TearDown() override {
    for (const char* v : kVars) unsetenv(v);
    EmuKernelTest::TearDown();
  }
  static constexpr const char* kVars[] = {"TT_METAL_DPRINT_CORES", "TT_METAL_DPRINT_RISCVS",
                                          "TT_METAL_DPRINT_PREPEND_DEVICE_CORE_RISC", "TT_METAL_DPRINT_FILE"};

  // Runs `source` as one kernel (`config`) on `cores` and returns its stdout.
  std::string Print(const std::string& source, const CoreSpec& cores,
                    const std::variant<DataMovementConfig, ComputeConfig>& config) {
    Program p = CreateProgram();
    Cb(p, cores, 0, 1, 2048);
    if (std::holds_alternative<ComputeConfig>(config)) {
      CreateKernel(p, Kernel("k.cpp", source), cores, std::get<ComputeConfig>(config));
    } else {
      CreateKernel(p, Kernel("k.cpp", source), cores, std::get<DataMovementConfig>(config));
    }
    const Outcome o = RunCapturing(p);
    EXPECT_EQ(o.report, "");
    return o.out;
  }
};

constexpr char kHello[] = R"(
#include "debug/dprint.h"
void kernel_main() {
    DPRINT << "x=" << (uint32_t)get_absolute_logical_x() << " f=" << F32(1.5f) << " bf=" << BF16(0x3fc0)
           << " i=" << -7 << " c=" << 'q' << ENDL();
    DPRINT << "two\nlines" << ENDL();
}
)";

TEST_F(DprintTest, NothingIsPrintedUnlessTheCoreIsSelected) {
  EXPECT_EQ(Print(kHello, CoreCoord(0, 0), Reader()), "");
}

TEST_F(DprintTest, LinesArePrefixedWithDeviceCoreAndRisc) {
  setenv("TT_METAL_DPRINT_CORES", "0,0", 1);
  EXPECT_EQ(Print(kHello, CoreCoord(0, 0), Reader()),
            "0:(x=18,y=18):NC: x=0 f=1.5 bf=1.5 i=-7 c=q\n"
            "0:(x=18,y=18):NC: two\n"
            "0:(x=18,y=18):NC: lines\n");
  setenv("TT_METAL_DPRINT_PREPEND_DEVICE_CORE_RISC", "0", 1);
  EXPECT_EQ(Print(kHello, CoreCoord(0, 0), Writer()), "x=0 f=1.5 bf=1.5 i=-7 c=q\ntwo\nlines\n");
}

TEST_F(DprintTest, CoresAndRiscsAreSelectedAsTtMetaliumSelectsThem) {
  setenv("TT_METAL_DPRINT_PREPEND_DEVICE_CORE_RISC", "0", 1);
  const CoreRange row({0, 0}, {3, 0});
  setenv("TT_METAL_DPRINT_CORES", "(1,0)-(2,0)", 1);
  const std::string range = Print(kHello, row, Writer());
  EXPECT_THAT(range, HasSubstr("x=1 ")) << range;
  EXPECT_THAT(range, HasSubstr("x=2 "));
  EXPECT_THAT(range, Not(HasSubstr("x=0 ")));
  EXPECT_THAT(range, Not(HasSubstr("x=3 ")));
  setenv("TT_METAL_DPRINT_CORES", "(0,0),(3,0)", 1);
  const std::string list = Print(kHello, row, Writer());
  EXPECT_THAT(list, HasSubstr("x=0 "));
  EXPECT_THAT(list, HasSubstr("x=3 "));
  EXPECT_THAT(list, Not(HasSubstr("x=1 ")));
  setenv("TT_METAL_DPRINT_CORES", "all", 1);
  setenv("TT_METAL_DPRINT_RISCVS", "BR", 1);
  EXPECT_EQ(Print(kHello, CoreCoord(0, 0), Reader()), "") << "the reader is NCRISC";
  EXPECT_THAT(Print(kHello, CoreCoord(0, 0), Writer()), HasSubstr("x=0 "));
}

TEST_F(DprintTest, ManipulatorsAndDataMovementForms) {
  setenv("TT_METAL_DPRINT_CORES", "0,0", 1);
  setenv("TT_METAL_DPRINT_PREPEND_DEVICE_CORE_RISC", "0", 1);
  constexpr char kFormats[] = R"(
void kernel_main() {
    DPRINT << HEX() << 255u << " " << DEC() << 255u << " " << SETPRECISION(3) << 3.14159f << " " << FIXED()
           << 2.5f << DEFAULTFLOAT() << ENDL();
    DPRINT << SETW(4) << 7u << 8u << SETW(3, false) << 9u << 1u << ENDL();
    DPRINT_DATA0(DPRINT << "noc0" << ENDL());
    DPRINT_DATA1(DPRINT << "noc1" << ENDL());
}
)";
  EXPECT_EQ(Print(kFormats, CoreCoord(0, 0), Writer()), "ff 255 3.14 2.500\n   7   8  91\nnoc0\n");
  EXPECT_EQ(Print(kFormats, CoreCoord(0, 0), Reader()), "ff 255 3.14 2.500\n   7   8  91\nnoc1\n");
}

// In a compute kernel a plain DPRINT runs on each of the three TRISCs; DPRINT_MATH on one.
TEST_F(DprintTest, ComputeKernelsPrintPerTrisc) {
  setenv("TT_METAL_DPRINT_CORES", "0,0", 1);
  constexpr char kCompute[] = R"(
#include "debug/dprint.h"
#include "compute_kernel_api.h"
namespace NAMESPACE {
void MAIN {
    DPRINT_MATH(DPRINT << "math" << ENDL());
    DPRINT_PACK(DPRINT << "pack" << ENDL());
    DPRINT << "all" << ENDL();
}
}
)";
  EXPECT_EQ(Print(kCompute, CoreCoord(0, 0), ComputeConfig{}),
            "0:(x=18,y=18):TR1: math\n"
            "0:(x=18,y=18):TR2: pack\n"
            "0:(x=18,y=18):TR0: all\n"
            "0:(x=18,y=18):TR1: all\n"
            "0:(x=18,y=18):TR2: all\n");
}

// TileSlice samples a tile of a CB: untilized rows and columns, or the stored order.
TEST_F(DprintTest, TileSliceSamplesACbTile) {
  setenv("TT_METAL_DPRINT_CORES", "0,0", 1);
  setenv("TT_METAL_DPRINT_PREPEND_DEVICE_CORE_RISC", "0", 1);
  constexpr char kSlice[] = R"(
void kernel_main() {
    cb_reserve_back(tt::CBIndex::c_0, 1);
    volatile tt_l1_ptr uint16_t* t = reinterpret_cast<volatile tt_l1_ptr uint16_t*>(get_write_ptr(tt::CBIndex::c_0));
    for (int i = 0; i < 1024; ++i) t[i] = 0;
    t[0] = 0x3f80;             // (0, 0) = 1
    t[1 * 256 + 0] = 0x4000;   // face 1 (0, 16) = 2
    t[2 * 256 + 16] = 0x4040;  // face 2 (17, 0) = 3
    SliceRange sr = SliceRange{.h0 = 0, .h1 = 32, .hs = 16, .w0 = 0, .w1 = 32, .ws = 16};
    DPRINT << TileSlice(tt::CBIndex::c_0, 0, sr, TSLICE_INPUT_CB, TSLICE_WR_PTR, true, true);
    SliceRange one = SliceRange{.h0 = 17, .h1 = 18, .hs = 1, .w0 = 0, .w1 = 1, .ws = 1};
    DPRINT << TileSlice(tt::CBIndex::c_0, 0, one, TSLICE_INPUT_CB, TSLICE_WR_PTR, true, true);
    SliceRange raw = SliceRange{.h0 = 8, .h1 = 9, .hs = 1, .w0 = 0, .w1 = 2, .ws = 1};
    DPRINT << TileSlice(tt::CBIndex::c_0, 0, raw, TSLICE_INPUT_CB, TSLICE_WR_PTR, false, false) << ENDL();
    cb_push_back(tt::CBIndex::c_0, 1);
}
)";
  EXPECT_EQ(Print(kSlice, CoreCoord(0, 0), Reader()), "1 2\n0 0\n3\n2 0\n");
}

}  // namespace
}  // namespace ttc::emu::testing
