// Requests from bytes nobody checked: protobuf messages parsed from the wire format with the
// request nesting limit (ir/request_limits.h kMaxMessageNesting) instead of protobuf's default
// of 100, and every string field checked for UTF-8 (request files, ir/request_io.h).
//
// protobuf 3.21 gives no process-wide way to raise its parse recursion limit, and gRPC parses
// with the default: a request whose expressions nest about 45 levels deep (two messages per
// level: Expr -> BinaryExpr -> Expr) does not parse there. ttcd therefore takes the methods
// that carry a KernelRequest as raw bytes and parses them here (daemon/compiler_grpc_service.h),
// and the request files of ir/request_io.h use the same limit.
// Thread-safety: all functions are reentrant.
#ifndef TTC_IR_REQUEST_WIRE_H_
#define TTC_IR_REQUEST_WIRE_H_

#include <string_view>

#include <google/protobuf/message.h>

#include "absl/status/status.h"

namespace ttc::ir {

// Messages that may wrap a KernelRequest on the wire (SubmitRequest -> CompileRequest ->
// KernelRequest): ParseWireMessage allows kMaxMessageNesting plus these.
inline constexpr int kWrapperNesting = 2;

// Parses `bytes` (protobuf wire format) into `message` (cleared first). Before parsing, the
// nesting of the bytes is measured without recursion, so bytes nested arbitrarily deep cost
// O(size) time and constant stack.
// Errors (INVALID_ARGUMENT; `message` is then unspecified):
//   messages nested deeper than kMaxMessageNesting + kWrapperNesting below the top:
//     "messages nested more than 4098 levels deep; a request nests at most 4096 (kMaxMessageNesting)"
//   anything else that does not parse as `message`'s type (truncated, not wire format, a
//   proto3 string that is not UTF-8): "not a ttc.v1.KernelRequest (N bytes; truncated or not
//   protobuf wire format)".
absl::Status ParseWireMessage(std::string_view bytes, google::protobuf::Message* message);

// OK when every string field of `message` (not bytes fields; map keys included) is valid
// UTF-8, as protobuf's wire format requires of proto3 strings (a receiver refuses the message
// otherwise; text format and JSON accept any bytes). Else INVALID_ARGUMENT for the first bad
// string in field order, naming its field path and the first invalid byte:
//   "func.name: not valid UTF-8 (byte 0xff at offset 2)"
// Walks the message without recursion (any depth).
absl::Status CheckUtf8Strings(const google::protobuf::Message& message);

}  // namespace ttc::ir

#endif  // TTC_IR_REQUEST_WIRE_H_
