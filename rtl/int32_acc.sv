// int32_acc: one INT32 accumulation acc' = policy(acc + d) of a VNNI step's exact 33-bit sum d, with the
// exact 34-bit result's overflow flagged. SATURATE = 0: two's complement wrap (VPDPWSSD); SATURATE = 1: clamp
// to [-2^31, 2^31 - 1] (VPDPWSSDS). models/pe pe_step.h pe_vnni_step() is the model; its overflow count is
// the number of steps with ovf set. Combinational.
module int32_acc #(
    parameter SATURATE = 0
) (
    input  logic [31:0] acc,
    input  logic [32:0] d,
    output logic [31:0] sum,
    output logic        ovf  // the exact acc + d lies outside [-2^31, 2^31 - 1]
);
  logic [33:0] s;
  assign s = {{2{acc[31]}}, acc} + {d[32], d};
  // In range iff the top three bits of the 34-bit sum are equal.
  assign ovf = (s[33:31] != 3'b000) && (s[33:31] != 3'b111);
  always_comb begin
    if (ovf && SATURATE != 0) sum = s[33] ? 32'h80000000 : 32'h7fffffff;
    else sum = s[31:0];
  end
endmodule
