// How ttcd's answers become gRPC statuses: one place for the rules every service follows.
//  - an absl::Status keeps its code and message (ToGrpc);
//  - a blob or action result that failed its digest check (DATA_LOSS: the store removed it)
//    reads as missing, NOT_FOUND, so clients re-upload or recompile (AsMissingIfCorrupt);
//  - a job or device RPC on a ttcd without a device fleet is UNIMPLEMENTED (NoFleet).
// Thread-safety: pure functions.
#ifndef TTC_DAEMON_STATUS_MAPPING_H_
#define TTC_DAEMON_STATUS_MAPPING_H_

#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"

namespace ttc::daemon {

// absl::Status -> grpc::Status with the same code and message.
grpc::Status ToGrpc(const absl::Status& st);

// DATA_LOSS (corrupt bytes, never served) -> NOT_FOUND with the same message; others unchanged.
absl::Status AsMissingIfCorrupt(const absl::Status& st);

// UNIMPLEMENTED "this ttcd runs no device fleet".
grpc::Status NoFleet();

// INVALID_ARGUMENT with `message` (which names the offending field).
grpc::Status Invalid(const std::string& message);

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_STATUS_MAPPING_H_
