#include "frontend/affine.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/message_differencer.h>

#include "frontend/parser.h"
#include "frontend/value.h"

namespace ttc::frontend {
namespace {

// Affine form of an integer expression: sum of coeff * var + constant; false when not affine.
struct Affine {
  std::map<std::string, int64_t> terms;
  int64_t constant = 0;
};
// Clears every `loc` field under `m` (locations are not part of an expression's meaning).
// False when the tree is deeper than `depth_left`.
bool ClearLocs(google::protobuf::Message* m, int depth_left) {
  if (depth_left < 0) return false;
  const google::protobuf::Descriptor* d = m->GetDescriptor();
  const google::protobuf::Reflection* r = m->GetReflection();
  if (const google::protobuf::FieldDescriptor* f = d->FindFieldByName("loc")) r->ClearField(m, f);
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r->ListFields(*m, &fields);
  for (const google::protobuf::FieldDescriptor* f : fields) {
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int i = 0; i < r->FieldSize(*m, f); ++i) {
        if (!ClearLocs(r->MutableRepeatedMessage(m, f, i), depth_left - 1)) return false;
      }
    } else if (!ClearLocs(r->MutableMessage(m, f), depth_left - 1)) {
      return false;
    }
  }
  return true;
}

// A subexpression that is not affine (`bz % H`, `i * j`, a load) counts as one opaque term,
// keyed by its text without locations, so that `(x % H + 1) * G - (x % H) * G` is `G`.
bool AddAtom(const v1::Expr& e, Affine* out, int64_t scale) {
  v1::Expr bare = e;
  if (!ClearLocs(&bare, 4 * kMaxExprDepth)) return false;
  std::string key;
  google::protobuf::io::StringOutputStream stream(&key);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  if (!bare.SerializeToCodedStream(&coded)) return false;
  coded.Trim();
  int64_t& c = out->terms["\x01" + key];  // cannot clash with a variable name
  return !__builtin_add_overflow(c, scale, &c);
}

bool ToAffine(const v1::Expr& e, Affine* out, int64_t scale, int depth) {
  if (depth > kMaxExprDepth) return false;
  int64_t tmp;
  switch (e.kind_case()) {
    case v1::Expr::kIntImm:
      if (__builtin_mul_overflow(e.int_imm(), scale, &tmp) || __builtin_add_overflow(out->constant, tmp, &out->constant)) {
        return false;
      }
      return true;
    case v1::Expr::kVar: {
      int64_t& c = out->terms[e.var()];
      return !__builtin_add_overflow(c, scale, &c);
    }
    case v1::Expr::kBinary: {
      const v1::BinaryExpr& b = e.binary();
      if (b.op() == v1::ADD) return ToAffine(b.a(), out, scale, depth + 1) && ToAffine(b.b(), out, scale, depth + 1);
      if (b.op() == v1::SUB) {
        return ToAffine(b.a(), out, scale, depth + 1) && scale != INT64_MIN && ToAffine(b.b(), out, -scale, depth + 1);
      }
      if (b.op() == v1::MUL) {
        if (b.b().has_int_imm()) {
          return !__builtin_mul_overflow(scale, b.b().int_imm(), &tmp) && ToAffine(b.a(), out, tmp, depth + 1);
        }
        if (b.a().has_int_imm()) {
          return !__builtin_mul_overflow(scale, b.a().int_imm(), &tmp) && ToAffine(b.b(), out, tmp, depth + 1);
        }
      }
      return AddAtom(e, out, scale);
    }
    default: return AddAtom(e, out, scale);
  }
}

bool SameExpr(const v1::Expr& a, const v1::Expr& b) {
  google::protobuf::util::MessageDifferencer d;
  d.IgnoreField(v1::Expr::descriptor()->FindFieldByName("loc"));
  return d.Compare(a, b);
}

}  // namespace

bool ConstDifference(const v1::Expr& hi, const v1::Expr& lo, int64_t* out) {
  Affine a;
  if (!ToAffine(hi, &a, 1, 0) || !ToAffine(lo, &a, -1, 0)) return false;
  for (const auto& [name, c] : a.terms) {
    if (c != 0) return false;
  }
  *out = a.constant;
  return true;
}

v1::Expr Difference(const v1::Expr& hi, const v1::Expr& lo, SourceLoc loc) {
  int64_t c;
  v1::Expr out;
  if (ConstDifference(hi, lo, &c)) {
    out.set_int_imm(c);
    return out;
  }
  if (hi.has_binary() && hi.binary().op() == v1::ADD && SameExpr(hi.binary().a(), lo)) return hi.binary().b();
  v1::BinaryExpr* b = out.mutable_binary();
  b->set_op(v1::SUB);
  *b->mutable_a() = hi;
  *b->mutable_b() = lo;
  SetLoc(loc, out.mutable_loc());
  return out;
}

}  // namespace ttc::frontend
