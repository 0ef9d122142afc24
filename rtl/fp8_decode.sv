// fp8_decode: one OFP8 operand (sign handled by the caller): significand (hidden bit included; subnormals have
// none) and the exponent of its LSB,
// max(E, 1) - bias - mantissa bits: E4M3 max(E,1) - 10 in [-9, 5], E5M2 max(E,1) - 17 in [-16, 13].
module fp8_decode (
    input  logic       fmt,  // 0 = E4M3, 1 = E5M2
    input  logic [6:0] x,  // the code without its sign bit
    output logic [3:0] sig,
    output logic [5:0] lsb_exp,
    output logic       nan,
    output logic       inf,
    output logic       zero
);
  logic [3:0] e4;
  logic [4:0] e5;
  assign e4 = x[6:3];
  assign e5 = x[6:2];
  always_comb begin
    if (!fmt) begin
      sig = {e4 != 4'd0, x[2:0]};
      lsb_exp = {2'b00, (e4 == 4'd0) ? 4'd1 : e4} - 6'd10;
      nan = x[6:0] == 7'h7f;
      inf = 1'b0;
    end else begin
      sig = {1'b0, e5 != 5'd0, x[1:0]};
      lsb_exp = {1'b0, (e5 == 5'd0) ? 5'd1 : e5} - 6'd17;
      nan = (e5 == 5'h1f) && (x[1:0] != 2'd0);
      inf = (e5 == 5'h1f) && (x[1:0] == 2'd0);
    end
    zero = x[6:0] == 7'd0;
  end
endmodule
