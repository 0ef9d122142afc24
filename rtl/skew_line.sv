// skew_line: DEPTH register stages of a WIDTH-bit word (DEPTH = 0: a wire), the skew of systolic_tile.sv.
// With HAS_VALID = 1 the word's MSB is a valid bit that rst (synchronous, active high) clears in every stage.
module skew_line #(
    parameter WIDTH = 8,
    parameter DEPTH = 1,
    parameter HAS_VALID = 0
) (
    input  logic             clk,
    input  logic             rst,
    input  logic [WIDTH-1:0] d,
    output logic [WIDTH-1:0] q
);
  generate
    if (DEPTH == 0) begin : g_wire
      assign q = d;
      /* verilator lint_off UNUSEDSIGNAL */
      logic unused;
      assign unused = clk ^ rst;
      /* verilator lint_on UNUSEDSIGNAL */
    end else if (DEPTH == 1) begin : g_one
      always_ff @(posedge clk) q <= {d[WIDTH-1] && !(rst && HAS_VALID != 0), d[WIDTH-2:0]};
    end else begin : g_chain
      logic [WIDTH*DEPTH-1:0] s;  // stage j (1-based): s[WIDTH*(j-1) +: WIDTH]
      localparam [WIDTH*DEPTH-1:0] VMASK = {DEPTH{1'b1, {(WIDTH - 1){1'b0}}}};
      always_ff @(posedge clk) s <= {s[WIDTH*(DEPTH-1)-1:0], d} & ~((rst && HAS_VALID != 0) ? VMASK : '0);
      assign q = s[WIDTH*(DEPTH-1) +: WIDTH];
    end
  endgenerate
endmodule
