// common/logfmt.h: a value from outside can never forge a log line or a key.
#include "common/logfmt.h"

#include <gtest/gtest.h>

namespace ttc {
namespace {

TEST(LogfmtValue, ANewlineCannotStartAForgedLine) {
  const std::string v = LogfmtValue("gemm\n[2026-12-04] [info] msg=\"job report\" accepted=true");
  EXPECT_EQ(v.find('\n'), std::string::npos);
  EXPECT_EQ(v, "\"gemm\\n[2026-12-04] [info] msg=\\\"job report\\\" accepted=true\"");
}

TEST(LogfmtValue, QuotesBackslashesAndControlBytesAreEscaped) {
  EXPECT_EQ(LogfmtValue("a\"b\\c\td\re"), "\"a\\\"b\\\\c\\td\\re\"");
  EXPECT_EQ(LogfmtValue(std::string("x\0y\x1b\x7f", 5)), "\"x\\x00y\\x1b\\x7f\"");
  EXPECT_EQ(LogfmtValue("héllo"), "\"héllo\"");  // UTF-8 passes through
  EXPECT_EQ(LogfmtValue(""), "\"\"");
}

TEST(LogfmtValue, LongValuesAreCutAndSaySo) {
  EXPECT_EQ(LogfmtValue(std::string(300, 'a'), 4), "\"aaaa...(300 bytes)\"");
  EXPECT_EQ(LogfmtValue("abcd", 4), "\"abcd\"");
}

}  // namespace
}  // namespace ttc
