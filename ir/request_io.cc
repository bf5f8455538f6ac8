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

namespace ttc::ir {
namespace {

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
  switch (format) {
    case RequestFormat::kJson: {
      google::protobuf::util::JsonParseOptions opts;
      opts.ignore_unknown_fields = false;
      auto st = google::protobuf::util::JsonStringToMessage(bytes, &req, opts);
      if (!st.ok()) return absl::InvalidArgumentError(absl::StrCat("invalid JSON request: ", st.message().as_string()));
      return req;
    }
    case RequestFormat::kTextProto: {
      google::protobuf::TextFormat::Parser parser;
      FirstError errors;
      parser.RecordErrorsTo(&errors);
      if (!parser.ParseFromString(bytes, &req)) {
        return absl::InvalidArgumentError(absl::StrCat("invalid text-format request: ", errors.first()));
      }
      return req;
    }
    case RequestFormat::kBinary:
      if (!req.ParseFromString(bytes)) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid binary request: not a ttc.v1.KernelRequest (", bytes.size(),
                         " bytes; truncated or not protobuf wire format)"));
      }
      return req;
  }
  return absl::InternalError("unknown request format");
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
