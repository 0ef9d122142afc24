// Sparsity analysis and timing: closed forms per fold over per-lane scans (README.md in this directory).
#include "sparsity/sparsity.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "numerics/parallel.h"
#include "pe/pe.h"

namespace lpsim::model {

namespace {

constexpr int kMaxWindow = 65536;
constexpr int kMaxIndexBits = 32;

int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

int ceil_log2(int64_t x) {
  int b = 0;
  while ((int64_t{1} << b) < x) ++b;
  return b;
}

// v * num / den rounded half up, exactly (den > 0).
uint64_t scale_round(uint64_t v, uint64_t num, uint64_t den) {
  __extension__ typedef unsigned __int128 u128;
  return static_cast<uint64_t>((static_cast<u128>(v) * num + den / 2) / den);
}

// One step of the greedy look-ahead lane: a nonzero at position k after the lane stood at `pos` (the first
// position not yet passed) costs 1 entry plus floor(gap / w) padding entries for the gap zeros before it.
inline void lane_step(int64_t k, int w, int64_t& pos, int64_t& len) {
  const int64_t gap = k - pos;
  len += 1 + (gap >= w ? gap / w : 0);
  pos = k + 1;
}

// Lane lengths of the rows of the row-major matrix x (rows x K), each over all of K.
std::vector<int64_t> row_lanes(const double* x, int64_t rows, int64_t K, int w) {
  std::vector<int64_t> len(static_cast<size_t>(rows), 0);
  for (int64_t i = 0; i < rows; ++i) {
    const double* xr = x + i * K;
    int64_t pos = 0, l = 0;
    for (int64_t k = 0; k < K; ++k)
      if (xr[k] != 0) lane_step(k, w, pos, l);
    len[static_cast<size_t>(i)] = l;
  }
  return len;
}

// Lane lengths of the columns of the row-major matrix x (K x cols), each over all of K (k outer: row-major walk).
std::vector<int64_t> col_lanes(const double* x, int64_t K, int64_t cols, int w) {
  std::vector<int64_t> len(static_cast<size_t>(cols), 0), pos(static_cast<size_t>(cols), 0);
  for (int64_t k = 0; k < K; ++k) {
    const double* xr = x + k * cols;
    for (int64_t j = 0; j < cols; ++j)
      if (xr[j] != 0) lane_step(k, w, pos[static_cast<size_t>(j)], len[static_cast<size_t>(j)]);
  }
  return len;
}

uint64_t sum(const std::vector<int64_t>& v) {
  uint64_t s = 0;
  for (int64_t x : v) s += static_cast<uint64_t>(x);
  return s;
}

// max over [lo, hi) of v
int64_t max_range(const std::vector<int64_t>& v, int64_t lo, int64_t hi) {
  int64_t m = 0;
  for (int64_t i = lo; i < hi; ++i) m = std::max(m, v[static_cast<size_t>(i)]);
  return m;
}

// skip, os, both operands: one lane per PE over the positions where A row i and B column j are both nonzero.
// Fills the per-fold maximum s_max[fr * cf + fc] and returns the issued MACs (sum of all PE lanes).
uint64_t pe_lanes(const double* qa, const double* qb, int64_t M, int64_t N, int64_t K, int64_t R, int64_t C,
                  int w, int threads, std::vector<int64_t>& s_max) {
  const int64_t words = cdiv(K, 64), rf = cdiv(M, R), cf = cdiv(N, C);
  std::vector<uint64_t> abits(static_cast<size_t>(M * words), 0), bbits(static_cast<size_t>(N * words), 0);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t k = 0; k < K; ++k)
      if (qa[i * K + k] != 0) abits[static_cast<size_t>(i * words + k / 64)] |= uint64_t{1} << (k % 64);
  for (int64_t k = 0; k < K; ++k)
    for (int64_t j = 0; j < N; ++j)
      if (qb[k * N + j] != 0) bbits[static_cast<size_t>(j * words + k / 64)] |= uint64_t{1} << (k % 64);
  s_max.assign(static_cast<size_t>(rf * cf), 0);
  std::atomic<uint64_t> issued{0};
  // Row folds are independent (each writes its own s_max row): split them over the threads.
  num::parallel_for(static_cast<size_t>(rf), threads, [&](size_t f0, size_t f1) {
    uint64_t iss = 0;
    for (int64_t fr = static_cast<int64_t>(f0); fr < static_cast<int64_t>(f1); ++fr) {
      int64_t* srow = s_max.data() + fr * cf;
      for (int64_t i = fr * R; i < std::min(M, (fr + 1) * R); ++i) {
        const uint64_t* ar = abits.data() + i * words;
        for (int64_t j = 0; j < N; ++j) {
          const uint64_t* br = bbits.data() + j * words;
          int64_t pos = 0, len = 0;
          for (int64_t wi = 0; wi < words; ++wi) {
            uint64_t x = ar[wi] & br[wi];
            while (x) {
              lane_step(wi * 64 + __builtin_ctzll(x), w, pos, len);
              x &= x - 1;
            }
          }
          iss += static_cast<uint64_t>(len);
          int64_t& s = srow[j / C];
          s = std::max(s, len);
        }
      }
    }
    issued += iss;
  });
  return issued;
}

void fill_traffic(SparsityOperandStats& o, const OperandTraffic& t, const ElementBits& word_bits) {
  o.sram_read_words_dense = t.sram_reads;
  o.dram_read_bytes_dense = word_bits.bytes(t.dram_reads);
  if (!o.compressed || o.elements == 0) {
    o.index_bits = 0;
    o.stored = o.elements;
    o.sram_read_words = o.sram_read_words_dense;
    o.dram_read_bytes = o.dram_read_bytes_dense;
    return;
  }
  const uint64_t sram_vals = scale_round(t.sram_reads, o.stored, o.elements);
  o.sram_meta_bits = sram_vals * static_cast<uint64_t>(o.index_bits);
  // metadata in whole words: ceil(meta_bits / bits per word), bits per word = num / den
  o.sram_read_words = sram_vals +
                      static_cast<uint64_t>((static_cast<ElementBits::u128>(o.sram_meta_bits) * word_bits.den +
                                             word_bits.num - 1) / word_bits.num);
  const uint64_t dram_vals = scale_round(t.dram_reads, o.stored, o.elements);
  o.dram_meta_bits = dram_vals * static_cast<uint64_t>(o.index_bits);
  o.dram_read_bytes = static_cast<uint64_t>(cdiv(static_cast<int64_t>(word_bits.bits(dram_vals) + o.dram_meta_bits), 8));
}

}  // namespace

const char* to_string(SparsityScheme s) {
  switch (s) {
    case SparsityScheme::kNone: return "none";
    case SparsityScheme::kGate: return "gate";
    case SparsityScheme::kSkip: return "skip";
    case SparsityScheme::kNM: return "nm";
  }
  return "?";
}

std::optional<SparsityScheme> parse_sparsity_scheme(std::string_view s) {
  if (s == "none") return SparsityScheme::kNone;
  if (s == "gate") return SparsityScheme::kGate;
  if (s == "skip") return SparsityScheme::kSkip;
  if (s == "nm") return SparsityScheme::kNM;
  return std::nullopt;
}

const char* to_string(SkipOperand o) {
  switch (o) {
    case SkipOperand::kA: return "activations";
    case SkipOperand::kB: return "weights";
    case SkipOperand::kBoth: return "both";
  }
  return "?";
}

std::optional<SkipOperand> parse_skip_operand(std::string_view s) {
  if (s == "activations") return SkipOperand::kA;
  if (s == "weights") return SkipOperand::kB;
  if (s == "both") return SkipOperand::kBoth;
  return std::nullopt;
}

void validate_sparsity(const SparsityParams& p) {
  if (p.window < 1 || p.window > kMaxWindow)
    throw SparsityParamError("window", "look-ahead window must be an integer in [1, " + std::to_string(kMaxWindow) +
                                           "], got " + std::to_string(p.window));
  const int need = ceil_log2(p.window);
  if (p.index_bits < 0 || p.index_bits > kMaxIndexBits)
    throw SparsityParamError("index_bits", "index bits must be 0 (auto: ceil(log2 window)) or in [1, " +
                                               std::to_string(kMaxIndexBits) + "], got " +
                                               std::to_string(p.index_bits));
  if (p.index_bits > 0 && p.index_bits < need)
    throw SparsityParamError("index_bits", std::to_string(p.index_bits) + " index bits cannot encode the offsets 0.." +
                                               std::to_string(p.window - 1) + " of window " +
                                               std::to_string(p.window) + "; use 0 (auto) or at least " +
                                               std::to_string(need));
  if (p.nm_n < 1 || p.nm_m > kMaxNmM || p.nm_n >= p.nm_m)
    throw SparsityParamError("nm", "N:M needs 1 <= N < M <= " + std::to_string(kMaxNmM) + ", got " +
                                       std::to_string(p.nm_n) + ":" + std::to_string(p.nm_m));
}

int metadata_bits(const SparsityParams& p) {
  switch (p.scheme) {
    case SparsityScheme::kSkip: return p.index_bits > 0 ? p.index_bits : ceil_log2(p.window);
    case SparsityScheme::kNM: return ceil_log2(p.nm_m);
    default: return 0;
  }
}

std::optional<NmViolation> check_nm_quantized(const double* qb, int64_t K, int64_t N, int n, int m) {
  if (K < 0 || N < 0 || n < 1 || m < 1) throw std::invalid_argument("check_nm_quantized: bad sizes");
  std::vector<int64_t> count(static_cast<size_t>(N));
  for (int64_t k0 = 0; k0 < K; k0 += m) {
    const int64_t k1 = std::min<int64_t>(K, k0 + m);
    std::fill(count.begin(), count.end(), 0);
    for (int64_t k = k0; k < k1; ++k)
      for (int64_t j = 0; j < N; ++j) count[static_cast<size_t>(j)] += qb[k * N + j] != 0 ? 1 : 0;
    for (int64_t j = 0; j < N; ++j)
      if (count[static_cast<size_t>(j)] > n) {
        NmViolation v;
        v.column = j;
        v.k_begin = k0;
        v.k_end = k1;
        v.nonzeros = count[static_cast<size_t>(j)];
        return v;
      }
  }
  return std::nullopt;
}

std::string nm_violation_message(const NmViolation& v, int n, int m) {
  return "weights break " + std::to_string(n) + ":" + std::to_string(m) + " sparsity: column " +
         std::to_string(v.column) + ", k " + std::to_string(v.k_begin) + ".." + std::to_string(v.k_end - 1) +
         " holds " + std::to_string(v.nonzeros) + " nonzeros (at most " + std::to_string(n) + ")";
}

int64_t skip_lane_length(const int64_t* pos, int64_t count, int window) {
  if (window < 1) throw std::invalid_argument("skip_lane_length: window must be >= 1");
  int64_t p = 0, len = 0;
  for (int64_t t = 0; t < count; ++t) lane_step(pos[t], window, p, len);
  return len;
}

SparsityStats analyze_sparsity(const SparsityParams& p, const ArrayParams& array, const MemoryParams& mem,
                               const LayerShape& layer, const LayerTiming& dense, const double* qa,
                               const double* qb, int threads) {
  validate_sparsity(p);
  const int64_t M = layer.M(), N = layer.N(), K = layer.K(), R = array.rows, C = array.cols;
  if (M < 1 || N < 1 || K < 1 || R < 1 || C < 1)
    throw std::invalid_argument("analyze_sparsity: layer and array sizes must be positive");
  if (qa == nullptr || qb == nullptr) throw std::invalid_argument("analyze_sparsity: missing operand values");
  if (threads <= 0) threads = default_threads();
  const Dataflow df = array.dataflow;
  const bool os = df == Dataflow::kOS;

  // Dense mapping (SCALE-Sim v2, models/array/README.md): os maps (M, N) and streams K; ws maps (K, N) and
  // streams M; is maps (K, M) and streams N. L = per-fold lines; compute = folds * L - 1.
  const int64_t Sc = df == Dataflow::kIS ? M : N;
  const int64_t T = os ? K : (df == Dataflow::kWS ? M : N);
  const int64_t rf = cdiv(os ? M : K, R), cf = cdiv(Sc, C);
  const int64_t L = os ? T + R + C - 2 : 2 * R + C + T - 2;
  const uint64_t dense_compute = static_cast<uint64_t>(rf * cf * L - 1);
  if (dense.compute_cycles != dense_compute)
    throw std::invalid_argument("analyze_sparsity: the dense timing has " + std::to_string(dense.compute_cycles) +
                                " compute cycles, but layer '" + layer.name + "' on this array needs " +
                                std::to_string(dense_compute) + " (timing of another layer or array?)");

  SparsityStats st;
  st.scheme = p.scheme;
  st.macs_dense = static_cast<uint64_t>(M) * static_cast<uint64_t>(N) * static_cast<uint64_t>(K);
  st.folds_dense = st.folds = rf * cf;
  st.compute_cycles_dense = st.compute_cycles = dense_compute;
  st.stall_cycles = dense.stall_cycles;

  // Nonzeros and effectual MACs: sum over k of (nonzeros in A column k) * (nonzeros in B row k).
  SparsityOperandStats& oa = st.operand[kIfmap];
  SparsityOperandStats& ob = st.operand[kFilter];
  oa.elements = static_cast<uint64_t>(M * K);
  ob.elements = static_cast<uint64_t>(K * N);
  {
    std::vector<uint64_t> col_a(static_cast<size_t>(K), 0), row_b(static_cast<size_t>(K), 0);
    for (int64_t i = 0; i < M; ++i)
      for (int64_t k = 0; k < K; ++k) col_a[static_cast<size_t>(k)] += qa[i * K + k] != 0 ? 1 : 0;
    for (int64_t k = 0; k < K; ++k) {
      uint64_t c = 0;
      for (int64_t j = 0; j < N; ++j) c += qb[k * N + j] != 0 ? 1 : 0;
      row_b[static_cast<size_t>(k)] = c;
    }
    for (int64_t k = 0; k < K; ++k) {
      oa.nonzeros += col_a[static_cast<size_t>(k)];
      ob.nonzeros += row_b[static_cast<size_t>(k)];
      st.macs_effectual += col_a[static_cast<size_t>(k)] * row_b[static_cast<size_t>(k)];
    }
  }
  st.density_a = oa.density();
  st.density_b = ob.density();

  uint64_t issued = st.macs_dense;
  const int ib = metadata_bits(p);
  switch (p.scheme) {
    case SparsityScheme::kNone:
    case SparsityScheme::kGate: break;
    case SparsityScheme::kSkip: {
      const int w = p.window;
      const bool lanes_a = p.skip_operand != SkipOperand::kB, lanes_b = p.skip_operand != SkipOperand::kA;
      if (os) {
        // K is temporal: every lane streams its compressed operand; a fold lasts as long as its longest lane
        // (at least one position): fold cycles = L - K + max(1, S_f).
        std::vector<int64_t> la, lb, s_max;
        if (lanes_a) {
          la = row_lanes(qa, M, K, w);
          oa.compressed = true;
          oa.stored = sum(la);
        }
        if (lanes_b) {
          lb = col_lanes(qb, K, N, w);
          ob.compressed = true;
          ob.stored = sum(lb);
        }
        if (p.skip_operand == SkipOperand::kA) {
          issued = static_cast<uint64_t>(N) * oa.stored;
          s_max.resize(static_cast<size_t>(rf * cf));
          for (int64_t fr = 0; fr < rf; ++fr) {
            const int64_t s = max_range(la, fr * R, std::min(M, (fr + 1) * R));
            for (int64_t fc = 0; fc < cf; ++fc) s_max[static_cast<size_t>(fr * cf + fc)] = s;
          }
        } else if (p.skip_operand == SkipOperand::kB) {
          issued = static_cast<uint64_t>(M) * ob.stored;
          s_max.resize(static_cast<size_t>(rf * cf));
          for (int64_t fc = 0; fc < cf; ++fc) {
            const int64_t s = max_range(lb, fc * C, std::min(N, (fc + 1) * C));
            for (int64_t fr = 0; fr < rf; ++fr) s_max[static_cast<size_t>(fr * cf + fc)] = s;
          }
        } else {
          issued = pe_lanes(qa, qb, M, N, K, R, C, w, threads, s_max);
        }
        uint64_t cycles = 0;
        for (int64_t s : s_max) cycles += static_cast<uint64_t>(L - K + std::max<int64_t>(1, s));
        st.compute_cycles = cycles - 1;
      } else {
        // K is spatial (array rows): the stationary operand (ws: B columns, is: A rows as the K x M tile's
        // columns) is compacted along K per column; a column fold needs ceil(longest compacted column / R) row
        // folds (at least one). Zeros of the streamed operand are gated only.
        const bool stat_b = df == Dataflow::kWS;
        if (stat_b ? lanes_b : lanes_a) {
          const std::vector<int64_t> lanes = stat_b ? col_lanes(qb, K, N, w) : row_lanes(qa, M, K, w);
          SparsityOperandStats& o = stat_b ? ob : oa;
          o.compressed = true;
          o.stored = sum(lanes);
          issued = static_cast<uint64_t>(T) * o.stored;
          int64_t folds = 0;
          for (int64_t fc = 0; fc < cf; ++fc)
            folds += std::max<int64_t>(1, cdiv(max_range(lanes, fc * C, std::min(Sc, (fc + 1) * C)), R));
          st.folds = folds;
          st.compute_cycles = static_cast<uint64_t>(folds * L - 1);
        }
      }
      break;
    }
    case SparsityScheme::kNM: {
      if (auto v = check_nm_quantized(qb, K, N, p.nm_n, p.nm_m)) throw NmPatternError(*v, p.nm_n, p.nm_m);
      // n of every m k stored (a ragged last group of K % m keeps min(n, K % m)): K' positions per column.
      const int64_t kp = (K / p.nm_m) * p.nm_n + std::min<int64_t>(p.nm_n, K % p.nm_m);
      ob.compressed = true;
      ob.stored = static_cast<uint64_t>(N * kp);
      issued = static_cast<uint64_t>(M) * ob.stored;
      if (os) {
        st.compute_cycles = static_cast<uint64_t>(rf * cf * (kp + R + C - 2) - 1);
      } else {
        st.folds = cdiv(kp, R) * cf;
        st.compute_cycles = static_cast<uint64_t>(st.folds * L - 1);
      }
      break;
    }
  }
  st.macs_issued = issued;
  st.macs_skipped = st.macs_dense - issued;
  st.macs_gated = p.scheme == SparsityScheme::kNone ? 0 : issued - st.macs_effectual;
  oa.index_bits = oa.compressed ? ib : 0;
  ob.index_bits = ob.compressed ? ib : 0;
  fill_traffic(oa, dense.traffic[kIfmap], mem.word_bits[kIfmap]);
  fill_traffic(ob, dense.traffic[kFilter], mem.word_bits[kFilter]);

  st.total_cycles_dense = dense.total_cycles;
  st.total_cycles = st.compute_cycles + st.stall_cycles;
  st.speedup = static_cast<double>(std::max<uint64_t>(1, st.total_cycles_dense)) /
               static_cast<double>(std::max<uint64_t>(1, st.total_cycles));
  return st;
}

}  // namespace lpsim::model
