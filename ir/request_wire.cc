#include "ir/request_wire.h"

#include <cstdint>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/stubs/common.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ir/request_limits.h"

namespace ttc::ir {
namespace {

namespace pb = google::protobuf;

constexpr int kWireLimit = kMaxMessageNesting + kWrapperNesting;

enum class Scan { kOk, kTooDeep, kMalformed };

// Reads a varint at `*pos` (below `end`).
bool ReadVarint(std::string_view bytes, size_t end, size_t* pos, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64 && *pos < end; shift += 7) {
    const auto b = static_cast<uint8_t>(bytes[(*pos)++]);
    *value |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return true;
  }
  return false;
}

// Walks the wire format of `bytes` as a `type` without recursion: each length-delimited
// field that `type` declares as a message is entered (one level deeper), everything else is
// skipped. kTooDeep as soon as a message lies more than kWireLimit levels below the top.
Scan ScanNesting(std::string_view bytes, const pb::Descriptor* type) {
  struct Frame {
    const pb::Descriptor* type;  // null: a group, whose fields are not looked up
    size_t end;                  // where a length-delimited message ends (a group: its parent's end)
    uint64_t group = 0;          // a group's field number
  };
  std::vector<Frame> stack{{type, bytes.size()}};
  size_t pos = 0;
  for (;;) {
    while (stack.back().group == 0 && pos == stack.back().end) {
      if (stack.size() == 1) return Scan::kOk;
      stack.pop_back();
    }
    const Frame& top = stack.back();
    uint64_t tag = 0;
    if (!ReadVarint(bytes, top.end, &pos, &tag) || (tag >> 3) == 0) return Scan::kMalformed;
    const uint64_t number = tag >> 3;
    uint64_t skip = 0;
    switch (tag & 7) {
      case 0:
        if (!ReadVarint(bytes, top.end, &pos, &skip)) return Scan::kMalformed;
        continue;
      case 1: skip = 8; break;
      case 5: skip = 4; break;
      case 2: {
        if (!ReadVarint(bytes, top.end, &pos, &skip) || skip > top.end - pos) return Scan::kMalformed;
        const pb::FieldDescriptor* f =
            top.type && number <= INT32_MAX ? top.type->FindFieldByNumber(static_cast<int>(number)) : nullptr;
        if (f == nullptr || f->type() != pb::FieldDescriptor::TYPE_MESSAGE) break;
        if (stack.size() > kWireLimit) return Scan::kTooDeep;
        stack.push_back({f->message_type(), pos + skip});
        continue;
      }
      case 3:
        if (stack.size() > kWireLimit) return Scan::kTooDeep;
        stack.push_back({nullptr, top.end, number});
        continue;
      case 4:
        if (top.group != number) return Scan::kMalformed;
        stack.pop_back();
        continue;
      default: return Scan::kMalformed;
    }
    if (skip > top.end - pos) return Scan::kMalformed;
    pos += skip;
  }
}

}  // namespace

absl::Status ParseWireMessage(std::string_view bytes, pb::Message* message) {
  message->Clear();
  const Scan scan = ScanNesting(bytes, message->GetDescriptor());
  if (scan == Scan::kTooDeep) {
    return absl::InvalidArgumentError(absl::StrCat("messages nested more than ", kWireLimit,
                                                   " levels deep; a request nests at most ", kMaxMessageNesting,
                                                   " (kMaxMessageNesting)"));
  }
  bool parsed = false;
  if (scan == Scan::kOk && bytes.size() <= INT32_MAX) {
    pb::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int>(bytes.size()));
    in.SetRecursionLimit(kWireLimit + 1);
    parsed = message->ParseFromCodedStream(&in) && in.ConsumedEntireMessage();
  }
  if (parsed) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("not a ", message->GetDescriptor()->full_name(), " (", bytes.size(),
                                                 " bytes; truncated or not protobuf wire format)"));
}

absl::Status CheckUtf8Strings(const pb::Message& message) {
  // Depth-first, in field order, with an explicit stack; each frame knows its path segment,
  // so the path is built only for the error.
  struct Frame {
    const pb::Message* m;
    std::string segment;
    std::vector<const pb::FieldDescriptor*> fields;
    size_t field = 0;
    int index = 0;
  };
  auto path = [&](const std::vector<Frame>& stack, const std::string& last) {
    std::string out;
    for (const Frame& f : stack) {
      if (f.segment.empty()) continue;
      absl::StrAppend(&out, out.empty() ? "" : ".", f.segment);
    }
    absl::StrAppend(&out, out.empty() ? "" : ".", last);
    return out;
  };
  std::vector<Frame> stack;
  stack.push_back({&message, "", {}});
  message.GetReflection()->ListFields(message, &stack.back().fields);
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.field == top.fields.size()) {
      stack.pop_back();
      continue;
    }
    const pb::FieldDescriptor* f = top.fields[top.field];
    const pb::Reflection* r = top.m->GetReflection();
    const int count = f->is_repeated() ? r->FieldSize(*top.m, f) : 1;
    if (top.index == count) {
      ++top.field;
      top.index = 0;
      continue;
    }
    const int i = top.index++;
    const std::string segment = f->is_repeated() ? absl::StrCat(f->name(), "[", i, "]") : f->name();
    if (f->type() == pb::FieldDescriptor::TYPE_STRING) {
      std::string scratch;
      const std::string& s = f->is_repeated() ? r->GetRepeatedStringReference(*top.m, f, i, &scratch)
                                              : r->GetStringReference(*top.m, f, &scratch);
      const int valid = pb::internal::UTF8SpnStructurallyValid(s);
      if (valid < static_cast<int>(s.size())) {
        return absl::InvalidArgumentError(
            absl::StrFormat("%s: not valid UTF-8 (byte 0x%02x at offset %d)", path(stack, segment),
                            static_cast<uint8_t>(s[valid]), valid));
      }
    } else if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      const pb::Message& child = f->is_repeated() ? r->GetRepeatedMessage(*top.m, f, i) : r->GetMessage(*top.m, f);
      Frame next{&child, segment, {}};
      child.GetReflection()->ListFields(child, &next.fields);
      stack.push_back(std::move(next));  // `top` is not used after this
    }
  }
  return absl::OkStatus();
}

}  // namespace ttc::ir
