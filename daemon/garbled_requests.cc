#include "daemon/garbled_requests.h"

#include <algorithm>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ir/request_wire.h"

namespace ttc::daemon {
namespace {

using grpc::experimental::InterceptionHookPoints;

class GarbledRequestInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit GarbledRequestInterceptor(std::string method) : method_(std::move(method)) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      garbled_ = true;
    }
    if (garbled_ && methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status st = methods->GetSendStatus();
      if (st.error_code() == grpc::StatusCode::UNIMPLEMENTED && st.error_message().empty()) {
        methods->ModifySendStatus(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, GarbledRequestMessage(method_)));
      }
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
  bool garbled_ = false;
};

class GarbledRequestFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    return new GarbledRequestInterceptor(info->method());
  }
};

}  // namespace

std::string GarbledRequestMessage(const std::string& method) {
  // "/ttc.v1.Compiler/Compile" -> "ttc.v1.Compiler.Compile", the descriptor's full name.
  std::string full = method.empty() || method[0] != '/' ? method : method.substr(1);
  std::replace(full.begin(), full.end(), '/', '.');
  const google::protobuf::MethodDescriptor* m =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(full);
  const std::string type = m != nullptr ? m->input_type()->full_name() : std::string("the method's request message");
  return absl::StrCat("request: the bytes sent to ", method, " do not parse as a ", type,
                      " (protobuf wire format); nothing was done");
}

grpc::Status ParseRawRequest(const grpc::ByteBuffer& bytes, const std::string& method,
                             google::protobuf::Message* message) {
  std::vector<grpc::Slice> slices;
  std::string wire;
  if (bytes.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices) wire.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  absl::Status st = ir::ParseWireMessage(wire, message);
  if (st.ok()) return grpc::Status::OK;
  if (absl::StrContains(st.message(), "(kMaxMessageNesting)")) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, absl::StrCat("request: ", st.message()));
  }
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, GarbledRequestMessage(method));
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> GarbledRequestInterceptorFactory() {
  return std::make_unique<GarbledRequestFactory>();
}

}  // namespace ttc::daemon
