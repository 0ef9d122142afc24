// fp8_mul: exact product of two OFP8 operands (OCP 8-bit Floating Point Specification v1.0, sec. 5: E4M3 bias
// 7, no Inf, NaN S.1111.111; E5M2 bias 15, IEEE Inf S.11111.00 and NaN S.11111.{01,10,11}; both with
// subnormals), as sign, integer magnitude and the exponent of its LSB. Combinational. The product of two FP8
// significands has at most 8 bits, so nothing is rounded here: the one rounding is the accumulator's
// (fp32_add). This is `a * b` inside models/pe's float MAC step (the product of two FP8 values is exact in
// float32). fmt: 0 = E4M3, 1 = E5M2, per operand.
module fp8_mul (
    input  logic       fmt_a,
    input  logic [7:0] a,
    input  logic       fmt_b,
    input  logic [7:0] b,
    output logic       p_sign,
    output logic [7:0] p_mag,  // significand product
    output logic [6:0] p_exp,  // two's complement: product = p_mag * 2^p_exp, in [-32, 26]
    output logic       p_nan,  // NaN operand, or Inf x 0
    output logic       p_inf
);

  logic [3:0] sa, sb;  // significands with the hidden bit
  logic [5:0] ea, eb;  // two's complement exponents of the significands' LSBs
  logic na, nb, ia, ib, za, zb;
  fp8_decode u_a (.fmt(fmt_a), .x(a[6:0]), .sig(sa), .lsb_exp(ea), .nan(na), .inf(ia), .zero(za));
  fp8_decode u_b (.fmt(fmt_b), .x(b[6:0]), .sig(sb), .lsb_exp(eb), .nan(nb), .inf(ib), .zero(zb));

  assign p_sign = a[7] ^ b[7];
  assign p_mag = {4'd0, sa} * {4'd0, sb};
  assign p_exp = {ea[5], ea} + {eb[5], eb};
  assign p_nan = na || nb || (ia && zb) || (ib && za);  // IEEE 754 sec. 7.2: 0 x Inf is invalid
  assign p_inf = (ia || ib) && !p_nan;

endmodule
