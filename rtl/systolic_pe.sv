// systolic_pe: one processing element of the output-stationary tile (systolic_tile.sv). It forwards its
// operands (A to the right, B down, the step flags with A) through its operand registers, and accumulates
// one output: KIND 0 = FP8 MAC (fp8_mul + fp32_add, FP32 accumulator, the arithmetic of fp8_mac.sv),
// KIND 1 = INT16 VNNI FMA (vnni_dot + int32_acc, INT32 accumulator, the arithmetic of int16_fma.sv).
//
// Registers on a step's path (3 stages, as the stand-alone MAC blocks):
//   stage 1  operand registers a_q, b_q and flags (also the outputs to the neighbours);
//   stage 2  product register (FP8: exact product; INT16: exact 33-bit pair sum);
//   stage 3  accumulator register: a step with `first` starts from 0 (+0 for FP32), others add onto it.
// done pulses for one cycle when the accumulator holds the result of a step flagged `last`.
module systolic_pe #(
    parameter KIND = 0,
    parameter SATURATE = 0  // KIND 1 only: INT32 policy (0 wrap, 1 saturate)
) (
    input  logic                                clk,
    input  logic                                rst,
    /* verilator lint_off UNUSEDSIGNAL */
    input  logic                                fmt_a,  // KIND 0 only: 0 = E4M3, 1 = E5M2
    input  logic                                fmt_b,
    /* verilator lint_on UNUSEDSIGNAL */
    input  logic                                v_in,
    input  logic                                first_in,
    input  logic                                last_in,
    input  logic [((KIND == 0) ? 8 : 32) - 1:0] a_in,
    input  logic [((KIND == 0) ? 8 : 32) - 1:0] b_in,
    output logic                                v_out,
    output logic                                first_out,
    output logic                                last_out,
    output logic [((KIND == 0) ? 8 : 32) - 1:0] a_out,
    output logic [((KIND == 0) ? 8 : 32) - 1:0] b_out,
    output logic                                done,
    output logic [31:0]                         acc
);

  localparam AW = (KIND == 0) ? 8 : 32;

  // Stage 1: operand registers (forwarded to the neighbours).
  logic          v1, first1, last1;
  logic [AW-1:0] a1, b1;
  always_ff @(posedge clk) begin
    if (rst) v1 <= 1'b0;
    else v1 <= v_in;
    if (v_in) begin
      first1 <= first_in;
      last1 <= last_in;
      a1 <= a_in;
      b1 <= b_in;
    end
  end
  assign v_out = v1;
  assign first_out = first1;
  assign last_out = last1;
  assign a_out = a1;
  assign b_out = b1;

  logic v2, first2, last2, v3;
  always_ff @(posedge clk) begin
    if (rst) begin
      v2 <= 1'b0;
      v3 <= 1'b0;
    end else begin
      v2 <= v1;
      v3 <= v2 && last2;
    end
    if (v1) begin
      first2 <= first1;
      last2 <= last1;
    end
  end
  assign done = v3;

  logic [31:0] acc3;
  generate
    if (KIND == 0) begin : g_fp8
      // Stage 2: exact FP8 product; stage 3: one rounding into the FP32 accumulator.
      logic       ps, pn, pi, ps2, pn2, pi2;
      logic [7:0] pm, pm2;
      logic [6:0] pe, pe2;
      fp8_mul u_mul (.fmt_a(fmt_a), .a(a1), .fmt_b(fmt_b), .b(b1), .p_sign(ps), .p_mag(pm), .p_exp(pe),
                     .p_nan(pn), .p_inf(pi));
      always_ff @(posedge clk) begin
        if (v1) begin
          ps2 <= ps;
          pm2 <= pm;
          pe2 <= pe;
          pn2 <= pn;
          pi2 <= pi;
        end
      end
      logic [31:0] sum;
      fp32_add #(.W(8), .EW(7)) u_add (.acc(first2 ? 32'd0 : acc3), .p_sign(ps2), .p_mag(pm2), .p_exp(pe2),
                                       .p_nan(pn2), .p_inf(pi2), .sum(sum));
      always_ff @(posedge clk) begin
        if (v2) acc3 <= sum;
      end
    end else begin : g_int16
      // Stage 2: exact pair sum; stage 3: INT32 accumulation with the policy (overflow flag unused here).
      logic [32:0] d, d2;
      vnni_dot u_dot (.a(a1), .b(b1), .d(d));
      always_ff @(posedge clk) begin
        if (v1) d2 <= d;
      end
      logic [31:0] sum;
      /* verilator lint_off PINCONNECTEMPTY */
      int32_acc #(.SATURATE(SATURATE)) u_acc (.acc(first2 ? 32'd0 : acc3), .d(d2), .sum(sum), .ovf());
      /* verilator lint_on PINCONNECTEMPTY */
      always_ff @(posedge clk) begin
        if (v2) acc3 <= sum;
      end
    end
  endgenerate
  assign acc = acc3;

endmodule
