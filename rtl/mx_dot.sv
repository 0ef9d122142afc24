// MX dot-product unit: one block pair of 32 elements per step (OCP MX v1.0 sec. 6.1, Dot; papers.md sec. 1.4):
//   acc' = RNE_fp32(acc + (sum_i a_i * b_i) * 2^(X_A + X_B))
// with MXFP8 (E4M3) or MXINT8 elements (a port per operand), E8M0 scales X = code - 127 (code 255 = NaN), the
// block sum exact (no intermediate rounding) and one rounding into the FP32 accumulator. A NaN element or a NaN
// scale gives NaN. This is models/pe's MX step (pe_step.h pe_mx_block_step: exact sum, times 2^(X_A + X_B), one
// accumulator rounding), which `lpsim gemm` and `lpsim run` use for every MX format pair.
//
// Exactness: elements are integers in units of 2^-9 (mx_elem_decode.sv), so products are integers in units of
// 2^-18 below 225 * 2^28 < 2^36 (E4M3: 448 * 448 = 200704 = 0.77 * 2^18), and the sum of 32 of them fits in
// 42 bits (two's complement); the block value is that integer times 2^(X_A + X_B - 18), in [2^-272, 2^276).
//
// Pipeline (3 register stages, latency 3 cycles, one block per cycle):
//   stage 1  input registers (64 element codes, 2 scales, formats, in_first, in_acc);
//   stage 2  block-sum register: 64 decodes, 32 8x8-bit multipliers with 0..28-bit shifts, a 32-input adder
//            -> the exact 42-bit sum, the NaN flag and X_A + X_B;
//   stage 3  accumulator register: fp32_add(in_first ? in_acc : accumulator, sum * 2^(X_A + X_B - 18)).
// in_first starts a chain from in_acc; otherwise a block adds onto the previous valid block's result. Bubbles
// hold every register. rst (synchronous, active high) clears only the valid pipeline.
module mx_dot (
    input  logic         clk,
    input  logic         rst,
    input  logic         in_valid,
    input  logic         in_first,
    input  logic         in_fmt_a,  // 0 = E4M3 (MXFP8), 1 = INT8 (MXINT8)
    input  logic         in_fmt_b,
    input  logic [255:0] in_a,      // element i: in_a[8*i +: 8]
    input  logic [255:0] in_b,
    input  logic [7:0]   in_xa,     // E8M0 scale codes
    input  logic [7:0]   in_xb,
    input  logic [31:0]  in_acc,
    output logic         out_valid,
    output logic [31:0]  out_acc
);

  localparam K = 32;  // block size (MX v1.0: 32 for every concrete format)

  logic v1, v2, v3;
  always_ff @(posedge clk) begin
    if (rst) begin
      v1 <= 1'b0;
      v2 <= 1'b0;
      v3 <= 1'b0;
    end else begin
      v1 <= in_valid;
      v2 <= v1;
      v3 <= v2;
    end
  end
  assign out_valid = v3;

  // Stage 1: input registers.
  logic         first1, fa1, fb1;
  logic [255:0] a1, b1;
  logic [7:0]   xa1, xb1;
  logic [31:0]  acc1;
  always_ff @(posedge clk) begin
    if (in_valid) begin
      first1 <= in_first;
      fa1 <= in_fmt_a;
      fb1 <= in_fmt_b;
      a1 <= in_a;
      b1 <= in_b;
      xa1 <= in_xa;
      xb1 <= in_xb;
      acc1 <= in_acc;
    end
  end

  // Stage 2: exact block sum in units of 2^-18.
  logic [K-1:0] nan_el;
  logic [37*K-1:0] prods;  // product i: prods[37*i +: 37], two's complement
  genvar i;
  generate
    for (i = 0; i < K; i = i + 1) begin : g_el
      logic       sa, sb;
      logic [7:0] ma, mb;
      logic [3:0] ha, hb;
      logic       na, nb;
      mx_elem_decode u_da (.fmt(fa1), .x(a1[8*i +: 8]), .sign(sa), .mag(ma), .shift(ha), .nan(na));
      mx_elem_decode u_db (.fmt(fb1), .x(b1[8*i +: 8]), .sign(sb), .mag(mb), .shift(hb), .nan(nb));
      logic [15:0] m;
      logic [35:0] p;
      assign m = {8'd0, ma} * {8'd0, mb};
      assign p = {20'd0, m} << ({1'b0, ha} + {1'b0, hb});
      assign prods[37*i +: 37] = (sa ^ sb) ? 37'd0 - {1'b0, p} : {1'b0, p};
      assign nan_el[i] = na || nb;
    end
  endgenerate
  logic [41:0] s;
  integer k;
  always_comb begin
    s = 42'd0;
    for (k = 0; k < K; k = k + 1) s = s + {{5{prods[37*k+36]}}, prods[37*k +: 37]};
  end

  logic        first2, nan2;
  logic [41:0] s2;
  logic [9:0]  x2;  // X_A + X_B, two's complement in [-254, 254]
  logic [31:0] acc2;
  always_ff @(posedge clk) begin
    if (v1) begin
      first2 <= first1;
      acc2 <= acc1;
      s2 <= s;
      nan2 <= (|nan_el) || (xa1 == 8'hff) || (xb1 == 8'hff);
      x2 <= {2'b00, xa1} + {2'b00, xb1} - 10'd254;
    end
  end

  // Stage 3: block value = s2 * 2^(X_A + X_B - 18), one rounding into the FP32 accumulator. A zero sum is +0.
  logic [40:0] mag;
  assign mag = s2[41] ? 41'(42'd0 - s2) : s2[40:0];
  logic [31:0] acc3, sum;
  fp32_add #(.W(41), .EW(10)) u_add (.acc(first2 ? acc2 : acc3), .p_sign(s2[41]), .p_mag(mag),
                                     .p_exp(x2 - 10'd18), .p_nan(nan2), .p_inf(1'b0), .sum(sum));
  always_ff @(posedge clk) begin
    if (v2) acc3 <= sum;
  end
  assign out_acc = acc3;

endmodule
