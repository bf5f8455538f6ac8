#include "daemon/grpc_plumbing.h"

namespace ttc::daemon {

int64_t MicrosSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t).count();
}

grpc::Status IoQueueFull(const WorkerPool& pool) {
  return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                      absl::StrCat("the daemon's I/O queue is full (io_queue = ", pool.queued(), " calls waiting for ",
                                   pool.workers(), " threads); retry with backoff"));
}

grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* ctx, const grpc::Status& st) {
  grpc::ServerUnaryReactor* r = ctx->DefaultReactor();
  r->Finish(st);
  return r;
}

grpc::Status Admit(Gate* gate, grpc::CallbackServerContext* ctx, const char* method, uint32_t roles,
                   Principal* who) {
  if (gate == nullptr) {
    if (who != nullptr) who->roles = kAnyRole;
    return grpc::Status::OK;
  }
  return gate->Admit(*ctx, method, roles, who);
}

grpc::Status AdmitStream(Gate* gate, grpc::CallbackServerContext* ctx, const char* method, uint32_t roles,
                         Gate::StreamSlot* slot, Principal* who) {
  if (gate == nullptr) {
    if (who != nullptr) who->roles = kAnyRole;
    return grpc::Status::OK;
  }
  return gate->AdmitStream(*ctx, method, roles, who, slot);
}

}  // namespace ttc::daemon
