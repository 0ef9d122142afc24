// BF16 MAC: acc' = RNE_fp32(acc + a * b) with BF16 operands and an FP32 accumulator, the product exact, one
// rounding per step (a fused multiply-add; papers.md sec. 3: BF16 inputs, FP32 accumulation). Bit-exact
// model: models/pe pe_step.h pe_mac_step() with BF16 operands. Arithmetic: bf16_mul.sv; fp32_acc_pipe.sv (stages
// 2-3 around fp32_add.sv).
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

  logic v1;
  always_ff @(posedge clk) begin
    if (rst) v1 <= 1'b0;
    else v1 <= in_valid;
  end

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

  // The exact product of the registered operands; stages 2 and 3 (product and accumulator registers).
  logic        ps, pn, pi;
  logic [15:0] pm;
  logic [9:0]  pe;
  bf16_mul u_mul (.a(a1), .b(b1), .p_sign(ps), .p_mag(pm), .p_exp(pe), .p_nan(pn), .p_inf(pi));
  fp32_acc_pipe #(.W(16), .EW(10)) u_acc (.clk(clk), .rst(rst), .v1(v1), .first1(first1), .acc1(acc1), .p_sign(ps),
                                          .p_mag(pm), .p_exp(pe), .p_nan(pn), .p_inf(pi), .out_valid(out_valid),
                                          .out_acc(out_acc));

endmodule
