// Conversion between the wire schema (proto/ttc/v1) and the C++ kernel IR, both directions:
// ir/from_proto.h (with its checks and ir/verifier.h) and ir/to_proto.h.
#ifndef TTC_IR_PROTO_CONVERT_H_
#define TTC_IR_PROTO_CONVERT_H_

#include "ir/from_proto.h"
#include "ir/to_proto.h"

#endif  // TTC_IR_PROTO_CONVERT_H_
