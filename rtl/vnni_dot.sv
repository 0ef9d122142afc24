// vnni_dot: d = a0 * b0 + a1 * b1 for one VNNI pair of signed 16-bit operands (AVX512-VNNI VPDPWSSD's word
// products; papers.md sec. 4). Exact in 33 bits: |d| <= 2 * 2^30 = 2^31 (only -32768 * -32768 reaches
// 2^30). Combinational. Packing as models/pe's integer kernels: a = {a1, a0}, b = {b1, b0}.
module vnni_dot (
    input  logic [31:0] a,
    input  logic [31:0] b,
    output logic [32:0] d  // two's complement
);
  logic signed [31:0] p0, p1;
  assign p0 = $signed(a[15:0]) * $signed(b[15:0]);
  assign p1 = $signed(a[31:16]) * $signed(b[31:16]);
  assign d = {p0[31], p0} + {p1[31], p1};
endmodule
