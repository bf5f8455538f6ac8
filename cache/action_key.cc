#include "cache/action_key.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/reflection.h>

#include "absl/strings/str_cat.h"
#include "cache/digest.h"

namespace ttc::cache {
namespace {

// Clears every field named "loc" (ttc.v1.SourceLoc), recursively.
void StripLocations(google::protobuf::Message* m) {
  using google::protobuf::FieldDescriptor;
  const auto* refl = m->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  refl->ListFields(*m, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->name() == "loc" && f->message_type()->name() == "SourceLoc") {
      refl->ClearField(m, f);
      continue;
    }
    if (f->is_repeated()) {  // maps too: layouts entries carry locations
      for (int i = 0; i < refl->FieldSize(*m, f); ++i) StripLocations(refl->MutableRepeatedMessage(m, f, i));
    } else {
      StripLocations(refl->MutableMessage(m, f));
    }
  }
}

}  // namespace

std::string CanonicalRequestBytes(const v1::KernelRequest& request) {
  v1::KernelRequest normalized = request;
  normalized.clear_target();
  StripLocations(&normalized);
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    normalized.SerializeToCodedStream(&out);
  }
  return bytes;
}

ActionKey ComputeActionKey(const v1::KernelRequest& request, const ir::Target& target, std::string_view build_id,
                           std::string_view pipeline) {
  ActionKey k;
  k.request_digest = Sha256Hex(CanonicalRequestBytes(request));
  k.compiler_build_id = std::string(build_id);
  k.pipeline = std::string(pipeline);
  k.target_fingerprint = target.Fingerprint();
  k.key = Sha256Hex(absl::StrCat("ttc-action-v1\nrequest=", k.request_digest, "\ncompiler=", k.compiler_build_id,
                                 "\npipeline=", k.pipeline, "\ntarget=", k.target_fingerprint, "\n"));
  return k;
}

std::string ExplainActionKey(const ActionKey& k) {
  return absl::StrCat("request digest:     ", k.request_digest, "  (normalized request, locations removed)\n",
                      "compiler build id:  ", k.compiler_build_id, "\n", "pipeline:           ", k.pipeline, "\n",
                      "target fingerprint: ", k.target_fingerprint, "\n", "action key:         ", k.key, "\n");
}

}  // namespace ttc::cache
