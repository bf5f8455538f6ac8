#include "daemon/status_mapping.h"

#include "daemon/submit_service.h"

namespace ttc::daemon {

grpc::Status ToGrpc(const absl::Status& st) {
  if (st.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(st.code()), std::string(st.message()));
}

absl::Status AsMissingIfCorrupt(const absl::Status& st) {
  return absl::IsDataLoss(st) ? absl::NotFoundError(st.message()) : st;
}

grpc::Status NoFleet() { return ToGrpc(NoFleetError()); }

grpc::Status Invalid(const std::string& message) { return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message); }

}  // namespace ttc::daemon
