// K-TanH activation block (Kundu et al., arXiv 1909.07729; table and steps: shared notes/papers.md sec. 5).
//
// BF16 in, BF16 out, LANES independent lanes, one result per lane per cycle.
//   lane i uses in_data[16*i +: 16] / out_data[16*i +: 16] and in_valid[i] / out_valid[i].
// Pipeline: 2 register stages (input register, output register), so LATENCY = 2 cycles: a word presented
//   in cycle c (sampled by the rising edge that ends cycle c) is on out_data with out_valid set in cycle c+2.
//   Lanes and cycles are independent: bubbles (in_valid low) come out as bubbles two cycles later.
// Reset: rst is synchronous and active high; it clears only the valid pipeline (data registers have no
//   reset: out_data is meaningful only where out_valid is set).
// Special inputs (documented in rtl/README.md):
//   +-0 and subnormals: |x| < 0.25, passed through unchanged (tanh(x) = x to BF16 precision there);
//   +-Inf: |x| > 3.75, gives +-1.0 (0x3f80 / 0xbf80);
//   NaN (any sign or payload): the canonical quiet NaN 0x7fc0 (the convention of the project's BF16 encoder).
// Kept to the SystemVerilog subset that both Verilator 5.006 and yosys 0.23 read (no unpacked-array ports,
// no functions, no packages, one module per file).
module ktanh #(
    parameter LANES = 1
) (
    input  logic                clk,
    input  logic                rst,
    input  logic [LANES-1:0]    in_valid,
    input  logic [16*LANES-1:0] in_data,
    output logic [LANES-1:0]    out_valid,
    output logic [16*LANES-1:0] out_data
);

  // Valid pipeline: the only state that reset clears.
  logic [LANES-1:0] v1;
  logic [LANES-1:0] v2;
  always_ff @(posedge clk) begin
    if (rst) begin
      v1 <= '0;
      v2 <= '0;
    end else begin
      v1 <= in_valid;
      v2 <= v1;
    end
  end
  assign out_valid = v2;

  genvar i;
  generate
    for (i = 0; i < LANES; i = i + 1) begin : g_lane
      // Stage 1: input register (loaded only for valid words, so idle lanes do not toggle).
      logic [15:0] x;
      always_ff @(posedge clk) begin
        if (in_valid[i]) x <= in_data[16*i +: 16];
      end

      // Combinational K-TanH on the registered word (notes sec. 5, steps 1-5).
      logic       s;        // sign
      logic [7:0] e;        // biased exponent
      logic [6:0] m;        // mantissa Mi
      logic [4:0] t;        // interval index: exponent bits [1:0], mantissa bits [6:4]
      logic       e_hi;     // table E: 0 -> 125, 1 -> 126 (the only two values in the table)
      logic [2:0] r;        // table right shift
      logic [6:0] b;        // table bias, two's complement mod 2^7 (see below)
      logic [6:0] man;      // (Mi >> r) + b
      logic       is_nan;
      logic       is_small;
      logic       is_big;
      logic [15:0] y;

      assign s = x[15];
      assign e = x[14:7];
      assign m = x[6:0];
      assign t = {e[1:0], m[6:4]};
      // NaN: exponent all ones with a non-zero mantissa (exponent all ones, mantissa zero is Inf).
      assign is_nan = (e == 8'hff) && (m != 7'd0);
      // Step 1: |x| < 0.25 = 2^-2 <=> biased exponent < 125 (covers +-0 and all subnormals).
      assign is_small = (e < 8'd125);
      // Step 2: |x| > 3.75 = 1.875 * 2^1 (BF16 0x4070) <=> e > 128, or e == 128 and Mi > 0x70 (covers +-Inf).
      assign is_big = (e > 8'd128) || ((e == 8'd128) && (m > 7'h70));

      // Steps 3-4: 32-entry (E, r, b) table, rows t = 0..31 exactly as in the notes. The bias is stored
      // modulo 2^7 (e.g. -4 as 124): every table row keeps (Mi >> r) + b inside [0, 127] for all Mi of its
      // interval (checked exhaustively by the C++ model tests), so a 7-bit adder gives the same mantissa as
      // the signed 8-bit add of the paper.
      always_comb begin
        case (t)
          // t = 0-7: [2, 4)
          5'd0:  begin e_hi = 1'b1; r = 3'd2; b = 7'd119; end
          5'd1:  begin e_hi = 1'b1; r = 3'd4; b = 7'd122; end
          5'd2:  begin e_hi = 1'b1; r = 3'd4; b = 7'd123; end
          5'd3:  begin e_hi = 1'b1; r = 3'd4; b = 7'd123; end
          5'd4:  begin e_hi = 1'b1; r = 3'd6; b = 7'd126; end
          5'd5:  begin e_hi = 1'b1; r = 3'd6; b = 7'd126; end
          5'd6:  begin e_hi = 1'b1; r = 3'd6; b = 7'd126; end
          5'd7:  begin e_hi = 1'b1; r = 3'd6; b = 7'd126; end
          // t = 8-15: [0.25, 0.5)
          5'd8:  begin e_hi = 1'b0; r = 3'd1; b = 7'd1;   end
          5'd9:  begin e_hi = 1'b0; r = 3'd0; b = 7'd124; end  // -4
          5'd10: begin e_hi = 1'b0; r = 3'd0; b = 7'd122; end  // -6
          5'd11: begin e_hi = 1'b0; r = 3'd0; b = 7'd121; end  // -7
          5'd12: begin e_hi = 1'b0; r = 3'd0; b = 7'd118; end  // -10
          5'd13: begin e_hi = 1'b0; r = 3'd0; b = 7'd116; end  // -12
          5'd14: begin e_hi = 1'b0; r = 3'd0; b = 7'd113; end  // -15
          5'd15: begin e_hi = 1'b0; r = 3'd0; b = 7'd110; end  // -18
          // t = 16-23: [0.5, 1)
          5'd16: begin e_hi = 1'b0; r = 3'd0; b = 7'd112; end
          5'd17: begin e_hi = 1'b1; r = 3'd1; b = 7'd124; end  // -4
          5'd18: begin e_hi = 1'b1; r = 3'd1; b = 7'd127; end  // -1
          5'd19: begin e_hi = 1'b1; r = 3'd1; b = 7'd2;   end
          5'd20: begin e_hi = 1'b1; r = 3'd1; b = 7'd3;   end
          5'd21: begin e_hi = 1'b1; r = 3'd1; b = 7'd4;   end
          5'd22: begin e_hi = 1'b1; r = 3'd1; b = 7'd4;   end
          5'd23: begin e_hi = 1'b1; r = 3'd1; b = 7'd4;   end
          // t = 24-31: [1, 2)
          5'd24: begin e_hi = 1'b1; r = 3'd0; b = 7'd65;  end
          5'd25: begin e_hi = 1'b1; r = 3'd1; b = 7'd72;  end
          5'd26: begin e_hi = 1'b1; r = 3'd1; b = 7'd73;  end
          5'd27: begin e_hi = 1'b1; r = 3'd1; b = 7'd73;  end
          5'd28: begin e_hi = 1'b1; r = 3'd2; b = 7'd88;  end
          5'd29: begin e_hi = 1'b1; r = 3'd2; b = 7'd89;  end
          5'd30: begin e_hi = 1'b1; r = 3'd2; b = 7'd89;  end
          default: begin e_hi = 1'b1; r = 3'd4; b = 7'd110; end  // t = 31
        endcase
      end

      // Step 5: output mantissa (Mi >> r) + b; exponent E = 125 + e_hi = {6'b011111, e_hi, ~e_hi}.
      assign man = (m >> r) + b;

      always_comb begin
        if (is_nan) y = 16'h7fc0;
        else if (is_small) y = x;
        else if (is_big) y = {s, 15'h3f80};
        else y = {s, 6'b011111, e_hi, ~e_hi, man};
      end

      // Stage 2: output register.
      logic [15:0] q;
      always_ff @(posedge clk) begin
        if (v1[i]) q <= y;
      end
      assign out_data[16*i +: 16] = q;
    end
  endgenerate

endmodule
