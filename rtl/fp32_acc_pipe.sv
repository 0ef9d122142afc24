// fp32_acc_pipe: stages 2 and 3 of the blocks that accumulate an exact value into FP32 (fp8_mac, bf16_mac,
// mx_dot): the product register, then the accumulator register loaded from fp32_add(first ? acc_in : accumulator,
// product). The block's stage 1 (its input registers) computes the exact product combinationally from its
// registered operands and hands it over with its valid bit, in_first and in_acc. rst (synchronous, active high)
// clears the valid bits only; bubbles hold every register.
module fp32_acc_pipe #(
    parameter W = 8,   // bits of the product magnitude
    parameter EW = 7   // bits of its exponent (two's complement)
) (
    input  logic          clk,
    input  logic          rst,
    input  logic          v1,      // stage 1 holds a step
    input  logic          first1,  // ... that starts a chain from acc1
    input  logic [31:0]   acc1,
    input  logic          p_sign,  // the step's exact product, from stage 1's registers
    input  logic [W-1:0]  p_mag,
    input  logic [EW-1:0] p_exp,
    input  logic          p_nan,
    input  logic          p_inf,
    output logic          out_valid,
    output logic [31:0]   out_acc
);

  logic v2, v3;
  always_ff @(posedge clk) begin
    if (rst) begin
      v2 <= 1'b0;
      v3 <= 1'b0;
    end else begin
      v2 <= v1;
      v3 <= v2;
    end
  end
  assign out_valid = v3;

  // Stage 2: product register.
  logic          first2, ps2, pn2, pi2;
  logic [W-1:0]  pm2;
  logic [EW-1:0] pe2;
  logic [31:0]   acc2;
  always_ff @(posedge clk) begin
    if (v1) begin
      first2 <= first1;
      acc2 <= acc1;
      ps2 <= p_sign;
      pm2 <= p_mag;
      pe2 <= p_exp;
      pn2 <= p_nan;
      pi2 <= p_inf;
    end
  end

  // Stage 3: one rounding into the FP32 accumulator.
  logic [31:0] acc3, sum;
  fp32_add #(.W(W), .EW(EW)) u_add (.acc(first2 ? acc2 : acc3), .p_sign(ps2), .p_mag(pm2), .p_exp(pe2),
                                    .p_nan(pn2), .p_inf(pi2), .sum(sum));
  always_ff @(posedge clk) begin
    if (v2) acc3 <= sum;
  end
  assign out_acc = acc3;

endmodule
