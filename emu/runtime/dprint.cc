// DPRINT (ttc_emu/dprint.h), printed as TT-Metalium's print server prints it: the host reads
// each RISC's print buffer and writes it line by line to stdout (TT_METAL_DPRINT_FILE: that file
// instead), each line prefixed with "<device id>:(x=<x>,y=<y>):<RISC>: " (the core's NoC
// coordinates; off with TT_METAL_DPRINT_PREPEND_DEVICE_CORE_RISC=0). Printing is on for the
// cores TT_METAL_DPRINT_CORES lists (x,y | (x1,y1),(x2,y2) | (x1,y1)-(x2,y2) | all | worker)
// and the RISCs TT_METAL_DPRINT_RISCVS lists (BR, NC, TR0, TR1, TR2, TR*; default all); with
// TT_METAL_DPRINT_CORES unset nothing is printed, as on a card.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "emu/runtime/kernel_thread.h"
#include "ttc_emu/kernel_runtime.h"
#include "ttc_emu/noc_map.h"

namespace ttc::emu {
namespace {

constexpr const char* kRiscNames[] = {"BR", "NC", "TR0", "TR1", "TR2"};
constexpr uint32_t kTriscs = 0b11100;

struct DprintState {
  std::ostringstream format;  // carries precision, fixed, base between prints
  int width = 0;
  bool width_sticky = true;
  bool prefix = true;
};

std::string Trim(const char* s) {
  std::string out;
  for (; *s; ++s) {
    if (!std::isspace(static_cast<unsigned char>(*s))) out += *s;
  }
  return out;
}

// Whether TT_METAL_DPRINT_CORES (`spec`, trimmed) selects logical core `c`.
bool CoreSelected(const std::string& spec, const CoreCoord& c) {
  if (spec == "all" || spec == "worker") return true;
  std::vector<std::pair<size_t, size_t>> points;
  std::vector<char> separators;
  size_t i = 0;
  while (i < spec.size()) {
    const bool paren = spec[i] == '(';
    if (paren) ++i;
    size_t x = 0, y = 0;
    if (std::sscanf(spec.c_str() + i, "%zu,%zu", &x, &y) != 2) return false;
    points.emplace_back(x, y);
    i = spec.find(paren ? ')' : '\0', i);
    if (i == std::string::npos) break;
    if (++i < spec.size()) separators.push_back(spec[i++]);
  }
  for (size_t p = 0; p < points.size(); ++p) {
    if (p < separators.size() && separators[p] == '-' && p + 1 < points.size()) {
      const auto& [x0, y0] = points[p];
      const auto& [x1, y1] = points[p + 1];
      if (c.x >= x0 && c.x <= x1 && c.y >= y0 && c.y <= y1) return true;
      ++p;
    } else if (points[p].first == c.x && points[p].second == c.y) {
      return true;
    }
  }
  return false;
}

// TT_METAL_DPRINT_RISCVS as a mask of kRiscNames (all when unset).
uint32_t RiscMask(const char* spec) {
  if (!spec || !*spec) return 0b11111;
  uint32_t mask = 0;
  std::string token;
  const std::string s = Trim(spec) + ",";
  for (char ch : s) {
    if (ch != ',' && ch != '+') {
      token += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      continue;
    }
    if (token == "BR" || token == "BRISC") mask |= 1;
    if (token == "NC" || token == "NCRISC") mask |= 2;
    if (token == "TR*" || token == "TRISC*") mask |= kTriscs;
    for (int k = 0; k < 3; ++k) {
      if (token == "TR" + std::to_string(k) || token == "TRISC" + std::to_string(k)) mask |= 4u << k;
    }
    token.clear();
  }
  return mask;
}

std::mutex& OutputMutex() {
  static std::mutex* mu = new std::mutex;
  return *mu;
}

// Writes one finished line of RISC `risc` of `t`'s core.
void Emit(KernelThread& t, int risc, const std::string& line) {
  const auto& state = *static_cast<DprintState*>(t.dprint_state.get());
  std::string text;
  if (state.prefix) {
    text = "0:(x=" + std::to_string(noc::WorkerX(t.core->coord.x)) + ",y=" +
           std::to_string(noc::WorkerY(t.core->coord.y)) + "):" + kRiscNames[risc] + ": ";
  }
  text += line + "\n";
  std::lock_guard<std::mutex> lock(OutputMutex());
  static std::map<std::string, FILE*>* files = new std::map<std::string, FILE*>;
  FILE* out = stdout;
  if (const char* name = std::getenv("TT_METAL_DPRINT_FILE"); name && *name) {
    FILE*& f = (*files)[name];
    if (!f) f = std::fopen(name, "w");
    if (f) out = f;
  }
  std::fwrite(text.data(), 1, text.size(), out);
  std::fflush(out);
}

// The RISCs the calling thread prints as now.
uint32_t Active(const KernelThread& t) {
  if (!t.kernel->compute) return t.dprint_riscs;
  return t.dprint_riscs & (t.dprint_trisc < 0 ? kTriscs : 4u << t.dprint_trisc);
}

// Appends `text` to the current line of each RISC in `riscs`, emitting every line it finishes.
void Append(KernelThread& t, uint32_t riscs, const std::string& text) {
  for (int r = 0; r < 5; ++r) {
    if (!(riscs & (1u << r))) continue;
    std::string& line = t.dprint_line[r];
    for (char ch : text) {
      if (ch == '\n') {
        Emit(t, r, line);
        line.clear();
      } else {
        line += ch;
      }
    }
  }
}

DprintState& State(KernelThread& t) { return *static_cast<DprintState*>(t.dprint_state.get()); }

// A TileSlice's text: rows h0:h1:hs, columns w0:w1:ws (range) of the row-major tile `values`,
// or with !untilize of the elements stored at h * 32 + w (faces of 16x16, row-major), at most
// max_count of them, as the print server writes it.
std::string SliceText(DprintState& s, const std::vector<float>& values, const uint16_t* range, bool endl_rows,
                      bool untilize, uint32_t max_count);

// Formats with the thread's stream state (and its width, sticky or for one value).
template <typename V>
std::string Format(DprintState& s, const V& v) {
  s.format.str("");
  if (s.width > 0) s.format << std::setw(s.width);
  if (!s.width_sticky) s.width = 0;
  s.format << v;
  return s.format.str();
}

float Bf16(uint16_t bits) {
  const uint32_t u = uint32_t{bits} << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

std::string SliceText(DprintState& s, const std::vector<float>& values, const uint16_t* range, bool endl_rows,
                      bool untilize, uint32_t max_count) {
  std::string text;
  uint32_t count = 0;
  for (int h = range[0]; h < range[1]; h += std::max<int>(1, range[2])) {
    for (int w = range[3]; w < range[4]; w += std::max<int>(1, range[5])) {
      if (count == max_count) {
        return text + "<TileSlice data truncated due to exceeding max count (" + std::to_string(max_count) + ")>\n";
      }
      int row = h, col = w;
      if (!untilize) {
        const int i = h * kTile + w, face = i / 256, within = i % 256;
        row = (face / 2) * 16 + within / 16;
        col = (face % 2) * 16 + within % 16;
      }
      text += Format(s, values[row * kTile + col]);
      ++count;
      if (w + range[5] < range[4]) text += " ";
    }
    if (endl_rows) text += "\n";
  }
  return text;
}

}  // namespace

void InitDprint(KernelThread& t) {
  auto state = std::make_shared<DprintState>();
  const char* prepend = std::getenv("TT_METAL_DPRINT_PREPEND_DEVICE_CORE_RISC");
  state->prefix = !(prepend && std::string(prepend) == "0");
  t.dprint_state = state;
  t.dprint_riscs = 0;
  const char* cores = std::getenv("TT_METAL_DPRINT_CORES");
  if (!cores || !CoreSelected(Trim(cores), t.core->coord)) return;
  const uint32_t own = t.kernel->compute ? kTriscs : (t.kernel->role == "writer" ? 1u : 2u);
  t.dprint_riscs = own & RiscMask(std::getenv("TT_METAL_DPRINT_RISCVS"));
}

void FlushDprint(KernelThread& t) {
  for (int r = 0; r < 5; ++r) {
    if (!t.dprint_line[r].empty()) Emit(t, r, t.dprint_line[r]);
    t.dprint_line[r].clear();
  }
}

namespace rt {

void DprintValue(DprintKind kind, const void* v) {
  const ApiCall call;
  KernelThread& t = call.thread();
  const uint32_t riscs = Active(t);
  if (!riscs) return;
  DprintState& s = State(t);
  std::string text;
  switch (kind) {
    case DprintKind::kCStr: text = Format(s, static_cast<const char*>(v)); break;
    case DprintKind::kChar: text = Format(s, *static_cast<const char*>(v)); break;
    case DprintKind::kU8: text = Format(s, unsigned{*static_cast<const uint8_t*>(v)}); break;
    case DprintKind::kU16: text = Format(s, *static_cast<const uint16_t*>(v)); break;
    case DprintKind::kU32: text = Format(s, *static_cast<const uint32_t*>(v)); break;
    case DprintKind::kU64: text = Format(s, *static_cast<const uint64_t*>(v)); break;
    case DprintKind::kI8: text = Format(s, int{*static_cast<const int8_t*>(v)}); break;
    case DprintKind::kI16: text = Format(s, *static_cast<const int16_t*>(v)); break;
    case DprintKind::kI32: text = Format(s, *static_cast<const int32_t*>(v)); break;
    case DprintKind::kI64: text = Format(s, *static_cast<const int64_t*>(v)); break;
    case DprintKind::kF32: text = Format(s, *static_cast<const float*>(v)); break;
    case DprintKind::kBf16: text = Format(s, Bf16(*static_cast<const uint16_t*>(v))); break;
    case DprintKind::kPointer: text = Format(s, *static_cast<const uint32_t*>(v)); break;
  }
  Append(t, riscs, text);
}

void DprintManipulate(DprintManip manip, int arg, bool sticky) {
  const ApiCall call;
  KernelThread& t = call.thread();
  const uint32_t riscs = Active(t);
  if (!riscs) return;
  DprintState& s = State(t);
  switch (manip) {
    case DprintManip::kEndl: Append(t, riscs, "\n"); break;
    case DprintManip::kSetPrecision: s.format << std::setprecision(arg); break;
    case DprintManip::kFixed: s.format << std::fixed; break;
    case DprintManip::kDefaultFloat: s.format << std::defaultfloat; break;
    case DprintManip::kHex: s.format << std::hex; break;
    case DprintManip::kOct: s.format << std::oct; break;
    case DprintManip::kDec: s.format << std::dec; break;
    case DprintManip::kSetW:
      s.width = arg;
      s.width_sticky = sticky;
      break;
  }
}

void DprintTileSlice(uint32_t cb_index, int32_t tile, const uint16_t* range, int ptr, bool endl_rows, bool untilize,
                     uint32_t max_bytes) {
  const ApiCall call;
  KernelThread& t = call.thread();
  const uint32_t riscs = Active(t);
  for (int r = 0; r < 5; ++r) {
    if (!(riscs & (1u << r))) continue;
    if (r == 3) {  // TRISC1, the math RISC, has no access to CBs
      Append(t, 1u << r, "Warning: MATH core does not support TileSlice printing, omitting print...\n");
      continue;
    }
    const bool rd = ptr < 0 ? r == 2 : ptr == 0;
    std::vector<float> values(kTileElems);
    uint32_t element_bytes = 2;
    {
      std::lock_guard<std::mutex> lock(t.core->mu);
      const CbState& cb = Cb(t, static_cast<int32_t>(cb_index));
      const uint64_t addr = uint64_t{rd ? cb.rd : cb.wr} + uint64_t(tile) * cb.page;
      if (addr + TileBytes(cb.format, kTile, kTile) > kL1Bytes ||
          !UnpackTile(t.core->l1 + addr, cb.format, kTile, kTile, values.data()).ok()) {
        Append(t, 1u << r, "BAD TILE POINTER count=0");
        continue;
      }
      element_bytes = std::max<uint32_t>(1, TileBytes(cb.format, kTile, kTile) / kTileElems);
    }
    Append(t, 1u << r, SliceText(State(t), values, range, endl_rows, untilize,
                                 std::max<uint32_t>(1, max_bytes / element_bytes)));
  }
}

int DprintTrisc(int trisc) {
  const ApiCall call;
  KernelThread& t = call.thread();
  const int previous = t.dprint_trisc;
  t.dprint_trisc = trisc;
  return previous;
}

}  // namespace rt
}  // namespace ttc::emu
