// The reuse-aware memory model (accelerator.memory.model: reuse; issue 22). Pure C++, closed forms, no SystemC.
//
// The array's PE mapping of a dataflow (OS/WS/IS) is SCALE-Sim's, unchanged. Above the array, lpsim chooses a loop
// order over M, N and K tiles and the tile sizes that fit each operand's SRAM (its active half: double buffered),
// minimising DRAM bytes first and cycles second, from a small candidate set searched exhaustively (every loop order;
// tile sizes from powers of two, even splits and multiples of the array's fold sizes, none narrower than the array
// along a dimension the dataflow maps onto it). All operands share one DRAM channel; a tile's compute overlaps the
// next tile's transfers. README "Memory models" has the formulas.
//
// Loop nest and buffers (what the brute-force replay in tests/array/test_reuse_model.cpp walks):
//  * three tile loops, outer to inner in `Tiling::order`, over M tiles (bands of whole output rows of a
//    convolution; rows of A for a GEMM), N tiles (filters) and K tiles (input channels, the whole Fh x Fw window);
//  * each operand buffer holds one tile and loads a new one whenever the tile's index changes (A depends on m, k;
//    B on k, n; C on m, n); an operand whose whole tensor fits its half SRAM is loaded once and kept (`resident`);
//    the ofmap buffer holds what the dataflow keeps there (one fold's outputs; ws/is partial sums of a column fold;
//    a whole tile's partial sums while its K is split over tiles), outputs leaving it as they are finished;
//  * a convolution's A tile is the input rows and columns its windows touch (halo rows are read again by the next
//    band: no reuse across tiles), so A's compulsory traffic is the touched input, each element once;
//  * an output tile visited again with K split outside it (k before the innermost of m, n) has its partial sums
//    written to DRAM and read back at the accumulator's width (`ReuseOptions::psum_bits`).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

#include "array/timing.h"

namespace lpsim::model {

enum class MemoryModel { kReuse, kScaleSim };
const char* to_string(MemoryModel m);  // "reuse" | "scalesim"

struct ReuseOptions {
  ElementBits psum_bits{32};  // bits of a partial sum spilled to DRAM (the accumulator's width)
  bool ifmap_on_chip = false;  // A is already on chip (the previous op's output kept: keep_activations): no DRAM read
  bool ofmap_stays = false;    // C stays on chip for the next op: no DRAM write of the final output
};

// The chosen schedule. Tile sizes in the units of the layer the model was given (elements; with dot-product PEs the
// K tile counts w-element vectors, str() prints elements).
struct Tiling {
  char order[3] = {'m', 'n', 'k'};  // loop order, outer to inner
  int64_t tm = 1;                   // output rows per M tile (x ofmap_w pixels each; a GEMM's rows of A)
  int64_t tn = 1;                   // filters (columns of B) per N tile
  int64_t tk = 1;                   // input channels (GEMM: elements of K) per K tile; the window is whole
  int64_t trips[3] = {1, 1, 1};     // tiles along m, n, k
  bool resident[3] = {false, false, false};  // whole tensor kept on chip, loaded once (ifmap, filter, ofmap)
  std::string str(const LayerShape& s, int64_t dot_width = 1) const;  // "order=nkm tile=1x1024x1280 keep=AC" (no commas: CSV-safe)
};

struct ReuseTiming {
  LayerTiming timing;          // cycles, folds, utilisation; traffic[].dram_* in words of each operand
  Tiling tiling;
  uint64_t psum_dram_reads = 0;   // partial sums read back from DRAM, words at psum_bits
  uint64_t psum_dram_writes = 0;  // partial sums written to DRAM, words at psum_bits
  uint64_t dram_bytes = 0;        // all DRAM bytes of the layer (operands + partial sums)
  uint64_t compulsory_words[3] = {0, 0, 0};  // each element of the touched tensor once
  uint64_t candidates = 0;        // schedules evaluated
};

// No candidate tile fits: `op` is the operand whose SRAM is too small for the smallest tile.
class TilingError : public std::invalid_argument {
 public:
  TilingError(int operand, const std::string& what) : std::invalid_argument(what), op(operand) {}
  int op;
};

// Schedules `layer` (SCALE-Sim conv or GEMM form) on `array` under the reuse model. mem.sram_kib and mem.word_bits
// as in the SCALE-Sim model; mem.dram_bw_bytes_per_cycle is the ONE channel all operands share;
// mem.dram_latency_cycles is paid once per layer (the first transfer; later ones are prefetched). Throws
// TilingError when no tile fits, LimitError when a figure leaves 64 bits.
ReuseTiming reuse_layer(const ArrayParams& array, const MemoryParams& mem, const LayerShape& layer,
                        const ReuseOptions& opt = {});

// DRAM traffic of one given schedule (no search): what reuse_layer() evaluates for each candidate. Exposed for the
// tests (the brute-force replay compares every field) and for `tiling` exploration. Throws TilingError when a tile
// of `t` does not fit.
ReuseTiming reuse_schedule(const ArrayParams& array, const MemoryParams& mem, const LayerShape& layer,
                           const Tiling& t, const ReuseOptions& opt = {});

// Array cycles of one tile of m x n x k (GEMM view) with SCALE-Sim's fold formulas: folds * L (no -1).
uint64_t tile_fold_cycles(const ArrayParams& array, int64_t m, int64_t n, int64_t k);

}  // namespace lpsim::model
