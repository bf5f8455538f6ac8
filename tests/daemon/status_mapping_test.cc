// daemon/status_mapping.h: the status rules every ttcd service follows.
#include "daemon/status_mapping.h"

#include <gtest/gtest.h>

namespace ttc::daemon {
namespace {

TEST(StatusMapping, KeepsCodeAndMessage) {
  EXPECT_TRUE(ToGrpc(absl::OkStatus()).ok());
  grpc::Status st = ToGrpc(absl::ResourceExhaustedError("queue full"));
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(st.error_message(), "queue full");
}

TEST(StatusMapping, CorruptReadsAsMissingOthersUnchanged) {
  absl::Status st = AsMissingIfCorrupt(absl::DataLossError("blob abc: digest mismatch"));
  EXPECT_TRUE(absl::IsNotFound(st));
  EXPECT_EQ(st.message(), "blob abc: digest mismatch");
  EXPECT_TRUE(absl::IsUnavailable(AsMissingIfCorrupt(absl::UnavailableError("disk"))));
  EXPECT_TRUE(AsMissingIfCorrupt(absl::OkStatus()).ok());
}

TEST(StatusMapping, NoFleetAndInvalid) {
  EXPECT_EQ(NoFleet().error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(NoFleet().error_message(), "this ttcd runs no device fleet");
  EXPECT_EQ(Invalid("seed: negative").error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Invalid("seed: negative").error_message(), "seed: negative");
}

}  // namespace
}  // namespace ttc::daemon
