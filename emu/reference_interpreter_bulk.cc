#include "emu/reference_interpreter_engine.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace ttc::emu::reference {

// Fills `offsets` with the flat offset of every element of region `r` in row-major order of
// the region (-1 for tile padding); false (and the interpreter fails) when the region
// leaves the buffer.
bool Interpreter::RegionOffsets(const CRegion& r, const char* side, const ir::Loc& loc, std::vector<int64_t>* offsets) {
  const BufState& b = bufs_[r.buf];
  const size_t rank = b.shape.size();
  std::vector<int64_t> begin(rank);
  for (size_t d = 0; d < rank; ++d) begin[d] = EvalI(r.begin[d]);
  if (!ok_) return false;
  for (size_t d = 0; d < rank; ++d) {
    if (begin[d] < 0 || begin[d] + r.extent[d] > b.bound[d]) {
      std::vector<std::string> parts;
      for (size_t j = 0; j < rank; ++j) parts.push_back(absl::StrCat(begin[j], ":", begin[j] + r.extent[j]));
      Fail(absl::InvalidArgumentError(absl::StrCat("copy ", side, " region [", absl::StrJoin(parts, ", "),
                                                   "] of '", b.name, "' is out of bounds of its ", ShapeDesc(b),
                                                   At(loc))));
      return false;
    }
  }
  int64_t total = 1;
  for (int64_t e : r.extent) total *= e;
  offsets->resize(total);
  // Rows of the innermost dimension: a row is in the buffer up to column `shape - begin`.
  const int64_t inner = rank ? r.extent[rank - 1] : 1;
  const int64_t inner_in = rank ? std::min(inner, b.shape[rank - 1] - begin[rank - 1]) : 1;
  std::vector<int64_t> idx(rank, 0);
  int64_t* out = offsets->data();
  for (int64_t row = 0; row < total / inner; ++row) {
    bool pad = false;
    int64_t base = 0;
    for (size_t d = 0; d < rank; ++d) {
      const int64_t i = begin[d] + idx[d];
      if (d + 1 < rank && i >= b.shape[d]) pad = true;
      base += i * b.strides[d];
    }
    for (int64_t j = 0; j < inner; ++j) *out++ = (pad || j >= inner_in) ? -1 : base + j;
    // Next row: increment the multi-index over all but the innermost dimension.
    for (size_t d = rank == 0 ? 0 : rank - 1; d-- > 0;) {
      if (++idx[d] < r.extent[d]) break;
      idx[d] = 0;
    }
  }
  return true;
}

void Interpreter::ExecCopy(const CStmt& s) {
  if (!RegionOffsets(s.src, "source", s.node->loc, &src_off_)) return;
  if (!RegionOffsets(s.dst, "destination", s.node->loc, &dst_off_)) return;
  const BufState& src = bufs_[s.src.buf];
  BufState& dst = bufs_[s.dst.buf];
  const size_t n = src_off_.size();
  tmp_.resize(n);
  for (size_t i = 0; i < n; ++i) tmp_[i] = src_off_[i] >= 0 ? src.data[src_off_[i]] : 0.0;
  if (!src.type.SameAs(dst.type)) ConvertArray(tmp_.data(), tmp_.data(), n, src.type.is_int, dst.type);
  for (size_t i = 0; i < n; ++i) {
    if (dst_off_[i] >= 0) dst.data[dst_off_[i]] = tmp_[i];
  }
}

void Interpreter::ExecGemm(const CStmt& s) {
  const BufState& A = bufs_[s.a];
  const BufState& B = bufs_[s.b];
  BufState& C = bufs_[s.c];
  const int64_t M = s.m, N = s.n, K = s.k;
  // op(A) as M x K and op(B) as K x N, row-major.
  opa_.resize(M * K);
  opb_.resize(K * N);
  const int64_t lda = A.shape[1], ldb = B.shape[1];
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t k = 0; k < K; ++k) opa_[i * K + k] = s.ta ? A.data[k * lda + i] : A.data[i * lda + k];
  }
  for (int64_t k = 0; k < K; ++k) {
    for (int64_t j = 0; j < N; ++j) opb_[k * N + j] = s.tb ? B.data[j * ldb + k] : B.data[k * ldb + j];
  }
  acc_.assign(C.data.begin(), C.data.end());
  if (s.clear) std::fill(acc_.begin(), acc_.end(), 0.0);
  const double* pa = opa_.data();
  const double* pb = opb_.data();
  double* pc = acc_.data();
  // Eight columns of a row of C at a time, accumulated in registers over k in order: each
  // element is C + a0*b0 + a1*b1 + ... summed left to right in double.
  for (int64_t i = 0; i < M; ++i) {
    const double* arow = pa + i * K;
    double* crow = pc + i * N;
    int64_t j = 0;
    for (; j + 8 <= N; j += 8) {
      double s0 = crow[j], s1 = crow[j + 1], s2 = crow[j + 2], s3 = crow[j + 3];
      double s4 = crow[j + 4], s5 = crow[j + 5], s6 = crow[j + 6], s7 = crow[j + 7];
      const double* brow = pb + j;
      for (int64_t k = 0; k < K; ++k, brow += N) {
        const double a = arow[k];
        s0 += a * brow[0];
        s1 += a * brow[1];
        s2 += a * brow[2];
        s3 += a * brow[3];
        s4 += a * brow[4];
        s5 += a * brow[5];
        s6 += a * brow[6];
        s7 += a * brow[7];
      }
      crow[j] = s0;
      crow[j + 1] = s1;
      crow[j + 2] = s2;
      crow[j + 3] = s3;
      crow[j + 4] = s4;
      crow[j + 5] = s5;
      crow[j + 6] = s6;
      crow[j + 7] = s7;
    }
    for (; j < N; ++j) {
      double s = crow[j];
      for (int64_t k = 0; k < K; ++k) s += arow[k] * pb[k * N + j];
      crow[j] = s;
    }
  }
  ConvertArray(acc_.data(), C.data.data(), static_cast<size_t>(M * N), false, C.type);
}

}  // namespace ttc::emu::reference
