// bf16_mul: exact product of two BF16 operands (8 exponent bits, bias 127, 7 fraction bits, IEEE Inf/NaN,
// subnormals read as such), as sign, 16-bit integer magnitude and the exponent of its LSB. Combinational; the
// one rounding is the FP32 accumulator's (fp32_add). The exponent of the product can lie far outside FP32's
// range (2^-266 .. 2^255); fp32_add rounds such sums to subnormals, zero or Inf exactly as an FMA does.
module bf16_mul (
    input  logic [15:0] a,
    input  logic [15:0] b,
    output logic        p_sign,
    output logic [15:0] p_mag,
    output logic [9:0]  p_exp,  // two's complement, in [-266, 240]
    output logic        p_nan,  // NaN operand, or Inf x 0
    output logic        p_inf
);

  logic [7:0] ea, eb;
  logic [6:0] fa, fb;
  assign ea = a[14:7];
  assign eb = b[14:7];
  assign fa = a[6:0];
  assign fb = b[6:0];
  logic na, nb, ia, ib, za, zb;
  assign na = (ea == 8'hff) && (fa != 7'd0);
  assign nb = (eb == 8'hff) && (fb != 7'd0);
  assign ia = (ea == 8'hff) && (fa == 7'd0);
  assign ib = (eb == 8'hff) && (fb == 7'd0);
  assign za = a[14:0] == 15'd0;
  assign zb = b[14:0] == 15'd0;

  // Significand LSB exponent max(E, 1) - 127 - 7.
  logic [9:0] la, lb;
  assign la = {2'b00, (ea == 8'd0) ? 8'd1 : ea} - 10'd134;
  assign lb = {2'b00, (eb == 8'd0) ? 8'd1 : eb} - 10'd134;

  assign p_sign = a[15] ^ b[15];
  assign p_mag = {8'd0, ea != 8'd0, fa} * {8'd0, eb != 8'd0, fb};
  assign p_exp = la + lb;
  assign p_nan = na || nb || (ia && zb) || (ib && za);  // IEEE 754 sec. 7.2: 0 x Inf is invalid
  assign p_inf = (ia || ib) && !p_nan;

endmodule
