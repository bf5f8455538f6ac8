// Reading and writing KernelRequest files in the formats the tools accept, chosen by file
// extension: `.json` (protobuf's JSON mapping; field names as in the .proto or lowerCamel),
// `.textproto`/`.txtpb`/`.pbtxt` (protobuf text format), `.binpb`/`.pb` (binary wire format).
// Unknown fields are errors in every format, so a typo never silently drops an annotation.
#ifndef TTC_IR_REQUEST_IO_H_
#define TTC_IR_REQUEST_IO_H_

#include <string>

#include "absl/status/statusor.h"
#include "ttc/v1/request.pb.h"

namespace ttc::ir {

enum class RequestFormat { kJson, kTextProto, kBinary };

// The format for `path` by extension; INVALID_ARGUMENT naming the accepted extensions when
// none matches.
absl::StatusOr<RequestFormat> RequestFormatForPath(const std::string& path);

// Parses `bytes` in `format`. Errors (INVALID_ARGUMENT) carry the parser's location:
// `line:col: message` for text format, the JSON parser's message for JSON, and a plain
// message for a truncated or malformed binary proto. Messages nested deeper than
// kMaxMessageNesting (ir/request_limits.h) are refused in text and binary format, naming the
// limit, without exhausting the stack; protobuf's JSON parser stops at 100 nested objects (the
// message says so). A string that is not valid UTF-8 is refused in every format, naming its
// field (`func.name: not valid UTF-8 (byte 0xff at offset 2)`; ir/request_wire.h).
absl::StatusOr<v1::KernelRequest> ParseRequest(const std::string& bytes, RequestFormat format);

// Reads and parses a request file. NOT_FOUND / PERMISSION_DENIED style errors for
// unreadable files (message names the path), INVALID_ARGUMENT for malformed content.
absl::StatusOr<v1::KernelRequest> ReadRequestFile(const std::string& path);

// Reads a whole file into memory.
absl::StatusOr<std::string> ReadFileBytes(const std::string& path);

}  // namespace ttc::ir

#endif  // TTC_IR_REQUEST_IO_H_
