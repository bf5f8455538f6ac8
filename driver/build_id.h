// The compiler build id: `ttc-<version>+<hash of the compiler's sources>`. Two binaries
// with the same id compile every request to the same bytes; the id enters cache keys.
#ifndef TTC_DRIVER_BUILD_ID_H_
#define TTC_DRIVER_BUILD_ID_H_

namespace ttc {
const char* CompilerBuildId();
}  // namespace ttc

#endif  // TTC_DRIVER_BUILD_ID_H_
