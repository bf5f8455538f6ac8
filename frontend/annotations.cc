#include "frontend/annotations.h"

#include <cstdint>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/reflection.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ttc::frontend {
namespace {

class Annotator {
 public:
  explicit Annotator(Diagnostic* error) : error_(error) {}

  bool Apply(const std::string& name, const ast::Expr& x, const Value& f, const Value& d) {
    if (f.kind != Value::kKernel) {
      return Fail(x.items[0]->loc, absl::StrCat(name, " annotates a @T.prim_func kernel, got ", f.Describe()));
    }
    if (d.kind != Value::kDict) return Fail(x.items[1]->loc, absl::StrCat(name, " expects a dict, got ", d.Describe()));
    Kernel& k = *f.kernel;
    if (name == "annotate_tt_schedule") {
      v1::Schedule s;
      if (!ToMessage(d, "the schedule", &s)) return false;
      SetLoc(x.loc, s.mutable_loc());
      k.schedule = s;
      k.has_schedule = true;
      return true;
    }
    for (size_t i = 0; i < d.keys.size(); ++i) {
      const Value& key = d.keys[i];
      std::vector<std::string> params;
      bool found = false;
      for (const v1::Buffer& p : k.func.params()) {
        params.push_back(p.name());
        found |= key.kind == Value::kStr && p.name() == key.s;
      }
      if (!found) {
        return Fail(key.loc, absl::StrCat("annotate_tt_layout: ", key.Describe(), " is not a parameter of kernel '",
                                          k.func.name(), "' (", absl::StrJoin(params, ", "), ")"));
      }
      v1::BufferLayout l;
      if (!ToMessage(d.items[i], absl::StrCat("the layout of '", key.s, "'"), &l)) return false;
      SetLoc(key.loc, l.mutable_loc());
      k.layouts[key.s] = l;
    }
    return true;
  }

 private:
  bool Fail(SourceLoc loc, std::string msg) {
    error_->loc = loc;
    error_->message = std::move(msg);
    return false;
  }

  // The fields a script sets: all but the locations, which the frontend records itself.
  static bool Settable(const google::protobuf::FieldDescriptor* f) {
    return f && f->message_type() != v1::SourceLoc::descriptor();
  }

  bool ToMessage(const Value& d, const std::string& what, google::protobuf::Message* m) {
    using google::protobuf::FieldDescriptor;
    if (d.kind != Value::kDict) return Fail(d.loc, absl::StrCat(what, " must be a dict, got ", d.Describe()));
    const auto* desc = m->GetDescriptor();
    const auto* refl = m->GetReflection();
    for (size_t i = 0; i < d.keys.size(); ++i) {
      const Value& key = d.keys[i];
      const FieldDescriptor* f = key.kind == Value::kStr ? desc->FindFieldByName(key.s) : nullptr;
      if (!Settable(f)) {
        std::vector<std::string> names;
        for (int j = 0; j < desc->field_count(); ++j) {
          if (Settable(desc->field(j))) names.push_back(desc->field(j)->name());
        }
        return Fail(key.loc, absl::StrCat("unknown key ", key.Describe(), " in ", what, "; known: ",
                                          absl::StrJoin(names, ", ")));
      }
      const Value& v = d.items[i];
      const std::string field_what = absl::StrCat("'", f->name(), "' in ", what);
      auto scalar = [&](const Value& item, bool repeated) -> bool {
        switch (f->cpp_type()) {
          case FieldDescriptor::CPPTYPE_STRING:
            if (item.kind != Value::kStr) return Fail(item.loc, absl::StrCat(field_what, " must be a string, got ", item.Describe()));
            repeated ? refl->AddString(m, f, item.s) : refl->SetString(m, f, item.s);
            return true;
          case FieldDescriptor::CPPTYPE_INT64:
          case FieldDescriptor::CPPTYPE_INT32:
            if (item.kind != Value::kInt) return Fail(item.loc, absl::StrCat(field_what, " must be an integer, got ", item.Describe()));
            if (f->cpp_type() == FieldDescriptor::CPPTYPE_INT32) {
              if (item.i < INT32_MIN || item.i > INT32_MAX) return Fail(item.loc, absl::StrCat(field_what, " is out of range"));
              repeated ? refl->AddInt32(m, f, static_cast<int32_t>(item.i)) : refl->SetInt32(m, f, static_cast<int32_t>(item.i));
            } else {
              repeated ? refl->AddInt64(m, f, item.i) : refl->SetInt64(m, f, item.i);
            }
            return true;
          case FieldDescriptor::CPPTYPE_BOOL:
            if (item.kind != Value::kBool) return Fail(item.loc, absl::StrCat(field_what, " must be True or False, got ", item.Describe()));
            repeated ? refl->AddBool(m, f, item.b) : refl->SetBool(m, f, item.b);
            return true;
          case FieldDescriptor::CPPTYPE_MESSAGE:
            return ToMessage(item, field_what, repeated ? refl->AddMessage(m, f) : refl->MutableMessage(m, f));
          default:
            return Fail(item.loc, absl::StrCat(field_what, " cannot be set from a script"));
        }
      };
      if (f->is_repeated()) {
        if (v.kind != Value::kList && v.kind != Value::kTuple) {
          return Fail(v.loc, absl::StrCat(field_what, " must be a list, got ", v.Describe()));
        }
        refl->ClearField(m, f);
        for (const Value& item : v.items) {
          if (!scalar(item, true)) return false;
        }
      } else if (!scalar(v, false)) {
        return false;
      }
    }
    return true;
  }

  Diagnostic* error_;
};

}  // namespace

bool ApplyAnnotation(const std::string& name, const ast::Expr& call, const Value& func, const Value& dict,
                     Diagnostic* error) {
  return Annotator(error).Apply(name, call, func, dict);
}

}  // namespace ttc::frontend
