// Garbled requests get INVALID_ARGUMENT with a message, not gRPC's bare UNIMPLEMENTED.
//
// gRPC C++'s callback handlers answer a request whose bytes do not parse as the method's
// protobuf message with UNIMPLEMENTED and an empty message (the reactor is never created), and
// REAPI-style clients read UNIMPLEMENTED as "this server does not support the call" and turn
// caching off. This server interceptor notices a request message that failed to deserialize
// (POST_RECV_MESSAGE with no message) and rewrites that bare UNIMPLEMENTED into
// INVALID_ARGUMENT naming the method and the message type it expects. Every other status,
// including UNIMPLEMENTED for a method the server does not have, passes unchanged.
// Thread-safety: one interceptor per call; gRPC orders a call's interception points.
#ifndef TTC_DAEMON_GARBLED_REQUESTS_H_
#define TTC_DAEMON_GARBLED_REQUESTS_H_

#include <memory>
#include <string>

#include <google/protobuf/message.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_interceptor.h>

namespace ttc::daemon {

// The message a garbled request of `method` ("/pkg.Service/Method") is answered with.
std::string GarbledRequestMessage(const std::string& method);

// Parses the request of a raw method (one ttcd takes as bytes, because gRPC would parse it with
// protobuf's default nesting limit of 100: daemon/compiler_grpc_service.h) into `message` with
// the request nesting limit (ir/request_wire.h ParseWireMessage). Errors (INVALID_ARGUMENT):
// "request: messages nested more than N levels deep; ... (kMaxMessageNesting)", or
// GarbledRequestMessage(method) for bytes that do not parse, as the interceptor answers for
// the other methods.
grpc::Status ParseRawRequest(const grpc::ByteBuffer& bytes, const std::string& method,
                             google::protobuf::Message* message);

// The interceptor factory to install first on the server (ServerBuilder::experimental()).
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> GarbledRequestInterceptorFactory();

}  // namespace ttc::daemon

#endif  // TTC_DAEMON_GARBLED_REQUESTS_H_
