// FP8 MAC: acc' = RNE_fp32(acc + a * b) with OFP8 operands (E4M3 or E5M2, selected per operand by a port) and
// an FP32 accumulator; the product is exact, so each step rounds once (a fused multiply-add, papers.md sec. 2:
// FP8 inputs, wider accumulation). Bit-exact model: models/pe pe_step.h pe_mac_step() (the float-MAC step of
// the GEMM kernels) with operands decoded by the numerics codec. Arithmetic: fp8_mul.sv; fp32_acc_pipe.sv (stages
// 2-3 around fp32_add.sv, shared with bf16_mac and mx_dot).
//
// Pipeline (3 register stages, latency 3 cycles, one step per cycle):
//   stage 1  input registers (operands, formats, in_first, in_acc);
//   stage 2  product register: fp8_mul's exact product (sign, 8-bit magnitude, exponent, NaN/Inf flags);
//   stage 3  accumulator register: fp32_add(in_first ? in_acc : accumulator, product) -> out_acc.
// A step presented with in_valid in cycle c is on out_acc with out_valid set in cycle c+3. Back-to-back steps
// accumulate (the stage-3 add reads the accumulator register, which holds the previous step's result).
// in_first starts a chain from in_acc (use +0 for a fresh dot product); steps with in_first low add onto the
// last valid step's result. Bubbles (in_valid low) leave every register as it is.
// Reset: rst (synchronous, active high) clears only the valid pipeline; data registers have no reset.
module fp8_mac (
    input  logic        clk,
    input  logic        rst,
    input  logic        in_valid,
    input  logic        in_first,
    input  logic        in_fmt_a,  // 0 = E4M3, 1 = E5M2
    input  logic        in_fmt_b,
    input  logic [7:0]  in_a,
    input  logic [7:0]  in_b,
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
  logic       first1, fa1, fb1;
  logic [7:0] a1, b1;
  logic [31:0] acc1;
  always_ff @(posedge clk) begin
    if (in_valid) begin
      first1 <= in_first;
      fa1 <= in_fmt_a;
      fb1 <= in_fmt_b;
      a1 <= in_a;
      b1 <= in_b;
      acc1 <= in_acc;
    end
  end

  // The exact product of the registered operands; stages 2 and 3 (product and accumulator registers).
  logic       ps, pn, pi;
  logic [7:0] pm;
  logic [6:0] pe;
  fp8_mul u_mul (.fmt_a(fa1), .a(a1), .fmt_b(fb1), .b(b1), .p_sign(ps), .p_mag(pm), .p_exp(pe), .p_nan(pn),
                 .p_inf(pi));
  fp32_acc_pipe #(.W(8), .EW(7)) u_acc (.clk(clk), .rst(rst), .v1(v1), .first1(first1), .acc1(acc1), .p_sign(ps),
                                        .p_mag(pm), .p_exp(pe), .p_nan(pn), .p_inf(pi), .out_valid(out_valid),
                                        .out_acc(out_acc));

endmodule
