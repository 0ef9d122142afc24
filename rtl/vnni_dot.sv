// vnni_dot: d = a0 * b0 + a1 * b1 for one VNNI pair of signed OPW-bit operands (OPW = 16: AVX512-VNNI
// VPDPWSSD's word products; papers.md sec. 4). Exact: |d| <= 2 * 2^(2 OPW - 2), i.e. 2^31 for OPW = 16 (only
// -32768 * -32768 reaches 2^30), returned sign-extended to 33 bits. Combinational. Packing as models/pe's
// integer kernels: a = {a1, a0}, b = {b1, b0}. OPW = 8 only serves the INT8 area figure (scripts/synth-area.sh).
module vnni_dot #(
    parameter OPW = 16
) (
    input  logic [2*OPW-1:0] a,
    input  logic [2*OPW-1:0] b,
    output logic [32:0]      d  // two's complement
);
  logic signed [2*OPW-1:0] p0, p1;
  logic signed [2*OPW:0] s;
  assign p0 = $signed(a[OPW-1:0]) * $signed(b[OPW-1:0]);
  assign p1 = $signed(a[2*OPW-1:OPW]) * $signed(b[2*OPW-1:OPW]);
  assign s = {p0[2*OPW-1], p0} + {p1[2*OPW-1], p1};
  assign d = 33'(s);  // sign extension
endmodule
