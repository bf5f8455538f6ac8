#include "ir/request_limits.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ttc::ir {
namespace {

namespace pb = google::protobuf;

// A string as an error message quotes it: at most 32 bytes of it.
std::string Quoted(const std::string& s) {
  return s.size() <= 32 ? absl::StrCat("'", s, "'") : absl::StrCat("'", s.substr(0, 32), "...'");
}

// Walks a request's messages by reflection, in field order, keeping the field path of the
// current node (appended and truncated in place) and the line:col of the innermost node that
// has one. Stops at the first limit exceeded.
class LimitChecker {
 public:
  explicit LimitChecker(LocatedError* error) : error_(error) {}

  absl::Status Run(const v1::KernelRequest& request) {
    Visit(request, Loc{});
    return status_;
  }

 private:
  // Appends `segment` to the path while in scope.
  class Segment {
   public:
    Segment(LimitChecker* c, const std::string& segment) : c_(c), size_(c->path_.size()) {
      if (!c->path_.empty()) c->path_ += '.';
      c->path_ += segment;
    }
    ~Segment() { c_->path_.resize(size_); }

   private:
    LimitChecker* c_;
    size_t size_;
  };

  bool Fail(const Loc& here, std::string message) { return FailAt(here, path_, std::move(message)); }
  bool FailAt(const Loc& here, const std::string& path, std::string message) {
    LocatedError e{Loc{here.line, here.col, path}, std::move(message)};
    if (error_) *error_ = e;
    status_ = e.ToStatus();
    return false;
  }

  bool CheckString(const std::string& s, const Loc& here) {
    if (static_cast<int64_t>(s.size()) <= kMaxNameBytes) return true;
    return Fail(here, absl::StrCat(Quoted(s), " is ", s.size(), " bytes; names and other strings of a request are ",
                                   "at most ", kMaxNameBytes, " bytes (kMaxNameBytes)"));
  }

  // The node's own line:col when it carries one, else the enclosing node's.
  static Loc Here(const pb::Message& m, const Loc& outer) {
    const pb::FieldDescriptor* f = m.GetDescriptor()->FindFieldByName("loc");
    if (!f || f->message_type() != v1::SourceLoc::descriptor()) return outer;
    const auto& loc = static_cast<const v1::SourceLoc&>(m.GetReflection()->GetMessage(m, f));
    return loc.line() > 0 ? Loc{loc.line(), loc.column(), ""} : outer;
  }

  // kMaxNestingDepth and kMaxMessageNesting, before `m` (at `here`) is visited; keeps the
  // top-level statement and outermost expression on the current path, where a too deep tree
  // is reported.
  bool CheckNesting(const pb::Descriptor* d, const Loc& here) {
    if (messages_ > kMaxMessageNesting) {
      return Fail(here, absl::StrCat("messages nested more than ", kMaxMessageNesting,
                                     " levels deep; a request nests at most ", kMaxMessageNesting,
                                     " (kMaxMessageNesting)"));
    }
    const bool stmt = d == v1::Stmt::descriptor(), expr = d == v1::Expr::descriptor();
    if (!stmt && !expr) return true;
    if (stmt && nodes_ == 0) stmt_root_ = {here, path_};
    if (expr && !in_expr_) expr_root_ = {here, path_};
    if (nodes_ < kMaxNestingDepth) return true;
    const auto& [loc, path] = expr || in_expr_ ? expr_root_ : stmt_root_;
    return FailAt(loc, path,
                  absl::StrCat(expr || in_expr_ ? "this expression" : "this statement", " nests more than ",
                               kMaxNestingDepth,
                               " levels deep (statements and expressions inside one another, counted together); "
                               "a request nests at most ", kMaxNestingDepth, " (kMaxNestingDepth)",
                               expr || in_expr_ ? ": compute parts of it into variables first" : ""));
  }

  // Visits `m` one level below its parent (`outer`: the parent's line:col).
  bool Visit(const pb::Message& m, const Loc& outer) {
    const Loc here = Here(m, outer);
    const pb::Descriptor* d = m.GetDescriptor();
    if (!CheckNesting(d, here)) return false;
    const bool node = d == v1::Stmt::descriptor() || d == v1::Expr::descriptor();
    const bool was_in_expr = in_expr_;
    in_expr_ = d == v1::Expr::descriptor() || (in_expr_ && !node);
    ++messages_;
    nodes_ += node ? 1 : 0;
    const bool ok = VisitFields(m, here);
    nodes_ -= node ? 1 : 0;
    --messages_;
    in_expr_ = was_in_expr;
    return ok;
  }

  bool VisitFields(const pb::Message& m, const Loc& here) {
    const pb::Descriptor* d = m.GetDescriptor();
    if (d == v1::PrimFunc::descriptor()) {
      for (const v1::Buffer& b : static_cast<const v1::PrimFunc&>(m).params()) params_.insert(b.name());
    } else if (d == v1::Buffer::descriptor()) {
      if (!CheckBuffer(static_cast<const v1::Buffer&>(m), here)) return false;
    } else if (d == v1::LaunchGrid::descriptor()) {
      if (!CheckGrid(static_cast<const v1::LaunchGrid&>(m), here)) return false;
    } else if (d == v1::Stmt::descriptor()) {
      if (!CheckStmt(static_cast<const v1::Stmt&>(m), here)) return false;
    }
    const pb::Reflection* r = m.GetReflection();
    std::vector<const pb::FieldDescriptor*> fields;
    r->ListFields(m, &fields);
    for (const pb::FieldDescriptor* f : fields) {
      if (f->message_type() == v1::SourceLoc::descriptor()) continue;
      if (f->is_map()) {
        if (!VisitMap(m, f, here)) return false;
      } else if (f->is_repeated()) {
        for (int i = 0; i < r->FieldSize(m, f); ++i) {
          Segment s(this, absl::StrCat(f->name(), "[", i, "]"));
          if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
            if (!CheckString(r->GetRepeatedString(m, f, i), here)) return false;
          } else if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
            if (!Visit(r->GetRepeatedMessage(m, f, i), here)) return false;
          }
        }
      } else {
        Segment s(this, f->name());
        if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
          if (!CheckString(r->GetString(m, f), here)) return false;
        } else if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
          if (!Visit(r->GetMessage(m, f), here)) return false;
        }
      }
    }
    return true;
  }

  // A map's entries in key order (maps have none of their own), each at `field["key"]`.
  bool VisitMap(const pb::Message& m, const pb::FieldDescriptor* f, const Loc& here) {
    const pb::Reflection* r = m.GetReflection();
    const pb::FieldDescriptor* key = f->message_type()->map_key();
    const pb::FieldDescriptor* value = f->message_type()->map_value();
    std::vector<std::pair<std::string, const pb::Message*>> entries;
    for (int i = 0; i < r->FieldSize(m, f); ++i) {
      const pb::Message& entry = r->GetRepeatedMessage(m, f, i);
      entries.emplace_back(entry.GetReflection()->GetString(entry, key), &entry);
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [k, entry] : entries) {
      if (static_cast<int64_t>(k.size()) > kMaxNameBytes) {
        Segment s(this, f->name());
        return CheckString(k, here);
      }
      Segment s(this, absl::StrCat(f->name(), "[\"", k, "\"]"));
      const pb::Reflection* er = entry->GetReflection();
      if (value->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
        if (!CheckString(er->GetString(*entry, value), here)) return false;
      } else if (value->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
        if (!Visit(er->GetMessage(*entry, value), here)) return false;
      }
    }
    return true;
  }

  bool CheckBuffer(const v1::Buffer& b, const Loc& here) {
    if (++buffers_ > kMaxBuffers) {
      return Fail(here, absl::StrCat("too many buffers: ", Quoted(b.name()), " is buffer ", buffers_,
                                     " of the kernel (parameters and allocations); a request declares at most ",
                                     kMaxBuffers, " (kMaxBuffers)"));
    }
    int64_t elements = 1;
    for (int64_t e : b.shape()) {
      if (e <= 0) return true;  // the verifier reports the extent
      if (elements > kMaxBufferElements / e) {
        Segment s(this, "shape");
        return Fail(here, absl::StrCat("buffer ", Quoted(b.name()), " of shape [", absl::StrJoin(b.shape(), ", "),
                                       "] has more than ", kMaxBufferElements,
                                       " elements, the most a buffer may have (kMaxBufferElements: more than the "
                                       "DRAM of any target holds)"));
      }
      elements *= e;
    }
    return true;
  }

  bool CheckGrid(const v1::LaunchGrid& g, const Loc& here) {
    int64_t blocks = 1;
    for (int64_t e : g.extents()) {
      if (e <= 0) return true;  // the verifier reports the extent
      if (blocks > kMaxLaunchBlocks / e) {
        Segment s(this, "extents");
        return Fail(here, absl::StrCat("T.Kernel(", absl::StrJoin(g.extents(), ", "), ") launches more than ",
                                       kMaxLaunchBlocks, " blocks, the most a kernel may launch (kMaxLaunchBlocks: "
                                       "TT-Metalium kernels number them with uint32_t)"));
      }
      blocks *= e;
    }
    return true;
  }

  bool CheckStmt(const v1::Stmt& s, const Loc& here) {
    if (++statements_ > kMaxStatements) {
      return Fail(here, absl::StrCat("too many statements: this is statement ", statements_,
                                     " of the kernel; a request holds at most ", kMaxStatements,
                                     " (kMaxStatements); split the kernel"));
    }
    const std::string* written = nullptr;
    std::string field;
    switch (s.kind_case()) {
      case v1::Stmt::kCopy: written = &s.copy().dst().buffer(), field = "copy.dst.buffer"; break;
      case v1::Stmt::kStore: written = &s.store().buffer(), field = "store.buffer"; break;
      case v1::Stmt::kFill: written = &s.fill().buffer(), field = "fill.buffer"; break;
      case v1::Stmt::kGemm: written = &s.gemm().c(), field = "gemm.c"; break;
      default: break;
    }
    if (!written || !params_.count(*written) || !outputs_.insert(*written).second) return true;
    if (static_cast<int64_t>(outputs_.size()) > kMaxOutputs) {
      Segment seg(this, field);
      return Fail(here, absl::StrCat("too many outputs: ", Quoted(*written), " is parameter ", outputs_.size(),
                                     " the kernel writes; a kernel has at most ", kMaxOutputs,
                                     " outputs (kMaxOutputs)"));
    }
    return true;
  }

  LocatedError* error_;
  absl::Status status_;
  std::string path_;
  int64_t buffers_ = 0, statements_ = 0;
  // Messages below the KernelRequest and nodes (statements, expressions) above the current
  // message; whether the current message is inside an expression; where the enclosing
  // top-level statement and outermost expression are.
  int64_t messages_ = 0, nodes_ = 0;
  bool in_expr_ = false;
  std::pair<Loc, std::string> stmt_root_, expr_root_;
  std::set<std::string> params_, outputs_;
};

}  // namespace

absl::Status CheckRequestLimits(const v1::KernelRequest& request, LocatedError* error) {
  return LimitChecker(error).Run(request);
}

}  // namespace ttc::ir
