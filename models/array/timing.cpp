#include "array/timing.h"

#include <cstdio>

namespace lpsim::model {

const char* to_string(Dataflow d) {
  switch (d) {
    case Dataflow::kOS: return "os";
    case Dataflow::kWS: return "ws";
    case Dataflow::kIS: return "is";
  }
  return "?";
}

const char* operand_name(int op) {
  switch (op) {
    case kIfmap: return "ifmap";
    case kFilter: return "filter";
    case kOfmap: return "ofmap";
    default: return "?";
  }
}

std::string to_string(const ElementBits& b) {
  if (b.whole()) return std::to_string(b.num / b.den);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.9g", b.value());
  return buf;
}

LayerShape dot_shape(const LayerShape& s, int64_t w) {
  if (w <= 1) return s;
  LayerShape v = s;
  auto cdiv = [w](int64_t x) { return (x + w - 1) / w; };
  if (s.channels == 1 && s.filter_h == 1 && s.filter_w == s.ifmap_w) {
    v.filter_w = v.ifmap_w = cdiv(s.filter_w);  // GEMM form: K runs along the (only) filter row
  } else {
    v.channels = cdiv(s.channels);
  }
  return v;
}

MemoryParams dot_memory(const MemoryParams& m, int64_t w) {
  MemoryParams v = m;
  if (w <= 1) return v;
  for (int op : {kIfmap, kFilter}) v.word_bits[op].num = chk::mulu(m.word_bits[op].num, static_cast<uint64_t>(w), "bits per vector");
  return v;
}

void dot_result(LayerTiming& t, const LayerShape& s, int64_t w) {
  if (w <= 1) return;
  const uint64_t uw = static_cast<uint64_t>(w);
  t.macs = s.macs();
  for (int op : {kIfmap, kFilter}) {
    OperandTraffic& r = t.traffic[op];
    r.sram_reads = chk::mulu(r.sram_reads, uw, "SRAM reads"), r.sram_writes = chk::mulu(r.sram_writes, uw, "SRAM writes");
    r.dram_reads = chk::mulu(r.dram_reads, uw, "DRAM reads"), r.dram_writes = chk::mulu(r.dram_writes, uw, "DRAM writes");
    t.dram_peak_words_per_cycle[op] *= static_cast<double>(w);
  }
}

}  // namespace lpsim::model
