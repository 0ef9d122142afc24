// INT16 FMA with VNNI pairs: acc' = policy(acc + a0 * b0 + a1 * b1), signed 16-bit operands, INT32
// accumulator, SATURATE = 0 wraps (VPDPWSSD), SATURATE = 1 saturates (VPDPWSSDS); out_ovf flags a step whose
// exact sum left the INT32 range (papers.md sec. 4, Das et al. 2018: DFP16 GEMMs on INT16 FMA units).
// Bit-exact model: models/pe pe_step.h pe_vnni_step(). Arithmetic: vnni_dot.sv, int32_acc.sv.
//
// Pipeline (3 register stages, latency 3 cycles, one VNNI step per cycle):
//   stage 1  input registers (pairs, in_first, in_acc);
//   stage 2  product register: the exact 33-bit d = a0 * b0 + a1 * b1;
//   stage 3  accumulator register (and out_ovf): int32_acc(in_first ? in_acc : accumulator, d).
// in_first starts a chain from in_acc; otherwise a step adds onto the previous valid step's result. Bubbles
// hold every register. rst (synchronous, active high) clears only the valid pipeline.
module int16_fma #(
    parameter SATURATE = 0,
    parameter OPW = 16  // operand bits; 8 only for the INT8 area figure of scripts/synth-area.sh
) (
    input  logic        clk,
    input  logic        rst,
    input  logic        in_valid,
    input  logic        in_first,
    input  logic [2*OPW-1:0] in_a,  // {a1, a0}, two's complement words
    input  logic [2*OPW-1:0] in_b,  // {b1, b0}
    input  logic [31:0] in_acc,  // two's complement
    output logic        out_valid,
    output logic [31:0] out_acc,
    output logic        out_ovf
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
  logic [2*OPW-1:0] a1, b1;
  logic [31:0] acc1;
  always_ff @(posedge clk) begin
    if (in_valid) begin
      first1 <= in_first;
      a1 <= in_a;
      b1 <= in_b;
      acc1 <= in_acc;
    end
  end

  // Stage 2: exact dot product of the pair.
  logic [32:0] d, d2;
  vnni_dot #(.OPW(OPW)) u_dot (.a(a1), .b(b1), .d(d));
  logic        first2;
  logic [31:0] acc2;
  always_ff @(posedge clk) begin
    if (v1) begin
      first2 <= first1;
      acc2 <= acc1;
      d2 <= d;
    end
  end

  // Stage 3: INT32 accumulation with the policy.
  logic [31:0] acc3, sum;
  logic        ovf, ovf3;
  int32_acc #(.SATURATE(SATURATE)) u_acc (.acc(first2 ? acc2 : acc3), .d(d2), .sum(sum), .ovf(ovf));
  always_ff @(posedge clk) begin
    if (v2) begin
      acc3 <= sum;
      ovf3 <= ovf;
    end
  end
  assign out_acc = acc3;
  assign out_ovf = ovf3;

endmodule
