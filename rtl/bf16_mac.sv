// BF16 MAC: acc' = RNE_fp32(acc + a * b) with BF16 operands and an FP32 accumulator, the product exact, one
// rounding per step (a fused multiply-add; papers.md sec. 3: BF16 inputs, FP32 accumulation). Bit-exact
// model: models/pe pe_step.h pe_mac_step() with BF16 operands. Arithmetic: bf16_mul.sv, fp32_add.sv.
//
// Pipeline (3 register stages, latency 3 cycles, one step per cycle), as fp8_mac.sv:
//   stage 1  input registers;  stage 2  product register;  stage 3  accumulator register -> out_acc.
// in_first starts a chain from in_acc; otherwise a step adds onto the previous valid step's result. Bubbles
// hold every register. rst (synchronous, active high) clears only the valid pipeline.
module bf16_mac (
    input  logic        clk,
    input  logic        rst,
    input  logic        in_valid,
    input  logic        in_first,
    input  logic [15:0] in_a,
    input  logic [15:0] in_b,
    input  logic [31:0] in_acc,
    output logic        out_valid,
    output logic [31:0] out_acc
);

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
  logic        first1;
  logic [15:0] a1, b1;
  logic [31:0] acc1;
  always_ff @(posedge clk) begin
    if (in_valid) begin
      first1 <= in_first;
      a1 <= in_a;
      b1 <= in_b;
      acc1 <= in_acc;
    end
  end

  // Stage 2: exact product.
  logic        ps, pn, pi;
  logic [15:0] pm;
  logic [9:0]  pe;
  bf16_mul u_mul (.a(a1), .b(b1), .p_sign(ps), .p_mag(pm), .p_exp(pe), .p_nan(pn), .p_inf(pi));
  logic        first2, ps2, pn2, pi2;
  logic [15:0] pm2;
  logic [9:0]  pe2;
  logic [31:0] acc2;
  always_ff @(posedge clk) begin
    if (v1) begin
      first2 <= first1;
      acc2 <= acc1;
      ps2 <= ps;
      pm2 <= pm;
      pe2 <= pe;
      pn2 <= pn;
      pi2 <= pi;
    end
  end

  // Stage 3: one rounding into the FP32 accumulator.
  logic [31:0] acc3, sum;
  fp32_add #(.W(16), .EW(10)) u_add (.acc(first2 ? acc2 : acc3), .p_sign(ps2), .p_mag(pm2), .p_exp(pe2),
                                     .p_nan(pn2), .p_inf(pi2), .sum(sum));
  always_ff @(posedge clk) begin
    if (v2) acc3 <= sum;
  end
  assign out_acc = acc3;

endmodule
