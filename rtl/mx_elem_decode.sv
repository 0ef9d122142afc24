// mx_elem_decode: one MX element (OCP Microscaling Formats (MX) v1.0 sec. 5.3, 5.4) as sign, integer
// magnitude and left shift, value = (-1)^sign * mag * 2^shift * 2^-9, so that every element of either format
// is an integer multiple of 2^-9 (the smallest E4M3 subnormal):
//   fmt 0, E4M3 (MXFP8): mag = significand (hidden bit included), shift = max(E, 1) - 1 in [0, 14]; NaN
//          S.1111.111 (the element format has no Inf);
//   fmt 1, INT8 (MXINT8): two's complement k with value k * 2^-6: mag = |k| (128 for -128), shift = 3.
// Combinational.
module mx_elem_decode (
    input  logic       fmt,
    input  logic [7:0] x,
    output logic       sign,
    output logic [7:0] mag,
    output logic [3:0] shift,
    output logic       nan
);
  logic [3:0] e;
  assign e = x[6:3];
  always_comb begin
    sign = x[7];
    if (!fmt) begin
      mag = {4'd0, e != 4'd0, x[2:0]};
      shift = (e == 4'd0) ? 4'd0 : e - 4'd1;
      nan = x[6:0] == 7'h7f;
    end else begin
      mag = x[7] ? 8'd0 - x : x;  // two's complement magnitude; -128 gives 8'h80 = 128
      shift = 4'd3;
      nan = 1'b0;
    end
  end
endmodule
