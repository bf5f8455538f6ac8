#include "ir/request_io.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ir/request_limits.h"
#include "ir/request_wire.h"

namespace ttc::ir {
namespace {

// The nesting at which protobuf 3.21's JSON parser stops (JsonStreamParser's default).
constexpr int kJsonMaxNesting = 100;

// Keeps the first text-format error with its position.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (first_.empty()) first_ = absl::StrCat(line + 1, ":", column + 1, ": ", message);
  }
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string first_;
};

}  // namespace

absl::StatusOr<RequestFormat> RequestFormatForPath(const std::string& path) {
  if (absl::EndsWith(path, ".json")) return RequestFormat::kJson;
  if (absl::EndsWith(path, ".textproto") || absl::EndsWith(path, ".txtpb") || absl::EndsWith(path, ".pbtxt")) {
    return RequestFormat::kTextProto;
  }
  if (absl::EndsWith(path, ".binpb") || absl::EndsWith(path, ".pb")) return RequestFormat::kBinary;
  return absl::InvalidArgumentError(absl::StrCat(
      "cannot tell the format of '", path, "': use .json, .textproto (.txtpb, .pbtxt) or .binpb (.pb)"));
}

absl::StatusOr<v1::KernelRequest> ParseRequest(const std::string& bytes, RequestFormat format) {
  v1::KernelRequest req;
  std::string prefix;
  switch (format) {
    case RequestFormat::kJson: {
      prefix = "invalid JSON request: ";
      google::protobuf::util::JsonParseOptions opts;
      opts.ignore_unknown_fields = false;
      auto st = google::protobuf::util::JsonStringToMessage(bytes, &req, opts);
      if (!st.ok()) {
        std::string message = st.message().as_string();
        // protobuf 3.21's JSON parser stops at 100 nested objects and offers no option to raise it.
        if (absl::StrContains(message, "Max recursion depth")) {
          absl::StrAppend(&message, " (protobuf's JSON parser reads at most ", kJsonMaxNesting,
                          " nested objects; write deeper requests as .textproto or .binpb, which nest up to ",
                          kMaxMessageNesting, " messages: kMaxMessageNesting)");
        }
        return absl::InvalidArgumentError(prefix + message);
      }
      break;
    }
    case RequestFormat::kTextProto: {
      prefix = "invalid text-format request: ";
      google::protobuf::TextFormat::Parser parser;
      FirstError errors;
      parser.RecordErrorsTo(&errors);
      // Without a limit the parser recurses once per nested message until the stack overflows.
      parser.SetRecursionLimit(kMaxMessageNesting);
      if (!parser.ParseFromString(bytes, &req)) {
        std::string message = errors.first();
        if (absl::StrContains(message, "recursion limit")) absl::StrAppend(&message, " (kMaxMessageNesting)");
        return absl::InvalidArgumentError(prefix + message);
      }
      break;
    }
    case RequestFormat::kBinary:
      prefix = "invalid binary request: ";
      if (auto st = ParseWireMessage(bytes, &req); !st.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(prefix, st.message()));
      }
      break;
  }
  // Text and JSON accept any bytes in strings; the wire format (and so ttcd) does not.
  if (auto st = CheckUtf8Strings(req); !st.ok()) return absl::InvalidArgumentError(prefix + std::string(st.message()));
  return req;
}

absl::StatusOr<std::string> ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open '", path, "': ", std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("error reading '", path, "'"));
  return ss.str();
}

absl::StatusOr<v1::KernelRequest> ReadRequestFile(const std::string& path) {
  auto format = RequestFormatForPath(path);
  if (!format.ok()) return format.status();
  auto bytes = ReadFileBytes(path);
  if (!bytes.ok()) return bytes.status();
  return ParseRequest(*bytes, *format);
}

}  // namespace ttc::ir
