// systolic_tile: ROWS x COLS processing elements (systolic_pe.sv) in an output-stationary arrangement, as
// lpsim's `os` dataflow maps a GEMM fold (models/array/README.md; SCALE-Sim v2 systolic_compute_os.py): PE
// (r, c) accumulates output C[i0 + r][j0 + c] over K; A rows enter from the left, B columns from the top.
//   KIND 0: FP8 MAC PEs (E4M3/E5M2 per operand, FP32 accumulators); KIND 1: INT16 VNNI FMA PEs (a step is
//   one pair of K, INT32 accumulators, SATURATE 0 wrap / 1 saturate).
//
// Feeding: one beat per cycle carries A[i0 + r][k] for every row and B[k][j0 + c] for every column (FP8
// codes; INT16: the pair {x[2t+1], x[2t]}), with in_first on the fold's first beat and in_last on its last.
// The tile skews the beat itself: row r's operands (and the beat's flags) pass r skew registers, column c's
// c registers, so A[.][k] and B[k][.] meet in PE (r, c), whose operand registers load them at the end of
// cycle k + r + c; operands then move one PE per cycle (A right, B down).
// Drain: PE (r, c) finishes at the end of cycle K - 1 + r + c + 2 (stage 3 of its last step) and shows its
// result during the next cycle. The PEs of column c finish in consecutive cycles, row 0 first, so one 32-bit
// result bus per column carries them without conflicts: out_valid[c] with out_data[32*c +: 32] = the
// accumulator of PE (r, c) in cycle K + 2 + r + c (cycles counted from the fold's first beat).
// Cycles per fold, first beat in (cycle 0) to last result out (PE (ROWS-1, COLS-1), cycle K + ROWS + COLS):
// K + ROWS + COLS + 1 = L + 3, where L = K + ROWS + COLS - 2 is lpsim's per-fold OS count and 3 the PE's
// register stages on the last step's path (rtl/README.md, "Systolic tile").
// Reset: rst (synchronous, active high) clears the valid bits of the skew registers and PEs only.
module systolic_tile #(
    parameter ROWS = 4,
    parameter COLS = 4,
    parameter KIND = 0,
    parameter SATURATE = 0
) (
    input  logic                                       clk,
    input  logic                                       rst,
    input  logic                                       in_valid,
    input  logic                                       in_first,
    input  logic                                       in_last,
    input  logic                                       in_fmt_a,  // KIND 0: 0 = E4M3, 1 = E5M2
    input  logic                                       in_fmt_b,
    input  logic [((KIND == 0) ? 8 : 32) * ROWS - 1:0] in_a,      // row r: in_a[AW*r +: AW]
    input  logic [((KIND == 0) ? 8 : 32) * COLS - 1:0] in_b,      // column c: in_b[AW*c +: AW]
    output logic [COLS-1:0]                            out_valid,
    output logic [32*COLS-1:0]                         out_data
);

  localparam AW = (KIND == 0) ? 8 : 32;
  localparam RW = AW + 3;  // a row's skew word: {valid, first, last, A}

  // Operand and flag wires between the PEs: h* run along rows (index r*(COLS+1) + c is the input of PE (r, c),
  // c = COLS the right edge), v* along columns (index c*(ROWS+1) + r).
  // The right edge of h and the bottom edge of vb are PE outputs that nothing reads.
  /* verilator lint_off UNUSEDSIGNAL */
  logic [RW*ROWS*(COLS+1)-1:0] h;
  logic [AW*COLS*(ROWS+1)-1:0] vb;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [ROWS*COLS-1:0]        done;
  logic [32*ROWS*COLS-1:0]     accs;

  genvar r, c;
  generate
    // Row skew: r registers (the valid bit is reset; flags and data travel with it).
    for (r = 0; r < ROWS; r = r + 1) begin : g_rskew
      skew_line #(.WIDTH(RW), .DEPTH(r), .HAS_VALID(1)) u_sk (.clk(clk), .rst(rst),
          .d({in_valid, in_first, in_last, in_a[AW*r +: AW]}), .q(h[RW*(r*(COLS+1)) +: RW]));
    end
    // Column skew: c registers (B carries no flags: a PE's step flags come with its A operand).
    for (c = 0; c < COLS; c = c + 1) begin : g_cskew
      skew_line #(.WIDTH(AW), .DEPTH(c), .HAS_VALID(0)) u_sk (.clk(clk), .rst(rst), .d(in_b[AW*c +: AW]),
          .q(vb[AW*(c*(ROWS+1)) +: AW]));
    end
    for (r = 0; r < ROWS; r = r + 1) begin : g_row
      for (c = 0; c < COLS; c = c + 1) begin : g_col
        logic [RW-1:0] hin, hout;
        assign hin = h[RW*(r*(COLS+1)+c) +: RW];
        systolic_pe #(.KIND(KIND), .SATURATE(SATURATE)) u_pe (
            .clk(clk), .rst(rst), .fmt_a(in_fmt_a), .fmt_b(in_fmt_b),
            .v_in(hin[RW-1]), .first_in(hin[RW-2]), .last_in(hin[RW-3]), .a_in(hin[AW-1:0]),
            .b_in(vb[AW*(c*(ROWS+1)+r) +: AW]),
            .v_out(hout[RW-1]), .first_out(hout[RW-2]), .last_out(hout[RW-3]), .a_out(hout[AW-1:0]),
            .b_out(vb[AW*(c*(ROWS+1)+r+1) +: AW]),
            .done(done[r*COLS+c]), .acc(accs[32*(r*COLS+c) +: 32]));
        assign h[RW*(r*(COLS+1)+c+1) +: RW] = hout;
      end
    end
  endgenerate

  // Column result buses: at most one PE of a column is done in any cycle.
  integer i, j;
  always_comb begin
    out_valid = '0;
    out_data = '0;
    for (j = 0; j < COLS; j = j + 1) begin
      for (i = 0; i < ROWS; i = i + 1) begin
        if (done[i*COLS+j]) begin
          out_valid[j] = 1'b1;
          out_data[32*j +: 32] = out_data[32*j +: 32] | accs[32*(i*COLS+j) +: 32];
        end
      end
    end
  end

endmodule
