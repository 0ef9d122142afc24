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
//   stage 2  block-value register: 64 decodes, 32 8x8-bit multipliers with 0..28-bit shifts, a 32-input adder
//            -> the exact 42-bit sum as sign and 41-bit magnitude, its exponent X_A + X_B - 18, the NaN flag;
//   stage 3  accumulator register: fp32_add(in_first ? in_acc : accumulator, block value).
// Stages 2 and 3 are fp32_acc_pipe.sv, shared with fp8_mac and bf16_mac.
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

  logic v1;
  always_ff @(posedge clk) begin
    if (rst) v1 <= 1'b0;
    else v1 <= in_valid;
  end

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

  // The block value s * 2^(X_A + X_B - 18) as sign, magnitude and exponent (a zero sum is +0); stages 2 and 3
  // (product and accumulator registers) as in fp8_mac.
  logic [40:0] mag;
  logic [9:0]  xsum;  // X_A + X_B - 18, two's complement in [-272, 236]
  assign mag = s[41] ? 41'(42'd0 - s) : s[40:0];
  assign xsum = {2'b00, xa1} + {2'b00, xb1} - 10'd254 - 10'd18;
  fp32_acc_pipe #(.W(41), .EW(10)) u_acc (.clk(clk), .rst(rst), .v1(v1), .first1(first1), .acc1(acc1),
                                          .p_sign(s[41]), .p_mag(mag), .p_exp(xsum),
                                          .p_nan((|nan_el) || (xa1 == 8'hff) || (xb1 == 8'hff)), .p_inf(1'b0),
                                          .out_valid(out_valid), .out_acc(out_acc));

endmodule
