// Writes a generated program directory all-or-nothing: the files go into a fresh sibling
// temporary directory first, which is then renamed onto DIR, so an error never leaves a
// half-written program behind. An existing DIR is replaced only when it is empty or a
// previous ttc program (it holds plan.json); anything else is refused.
#ifndef TTC_DRIVER_PROGRAM_WRITER_H_
#define TTC_DRIVER_PROGRAM_WRITER_H_

#include <map>
#include <string>

#include "absl/status/status.h"

namespace ttc {

// `files`: file name -> contents. Errors: FAILED_PRECONDITION when DIR exists and is not
// replaceable; INTERNAL with the OS error for I/O failures (nothing changed at DIR then).
// Not safe against concurrent writers of the same DIR.
absl::Status WriteProgramDir(const std::string& dir, const std::map<std::string, std::string>& files);

}  // namespace ttc

#endif  // TTC_DRIVER_PROGRAM_WRITER_H_
