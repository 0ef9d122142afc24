// fp32_add: sum = RNE_fp32(acc + p), one rounding of the exact sum (IEEE 754-2019 sec. 4.3.1, 6.3), where acc
// is an FP32 word and p an exact value (-1)^p_sign * p_mag * 2^p_exp: an exact product (FP8/BF16 MAC) or an
// exact MX block sum. Combinational; the MAC blocks and the systolic tile register around it. This is the
// accumulation step of models/pe (pe_step.h: pe_mac_step, pe_mx_block_step): the C++ gets the same single rounding
// from round-to-odd (Boldo & Melquiond 2008), this block from guard/round/sticky bits.
//
// Rules (all IEEE 754 with RNE):
//   - NaN if acc or p is NaN, or acc and p are infinities of opposite sign; the NaN is canonical 0x7fc00000
//     (NaN payloads are not modelled: README "NaN results");
//   - otherwise an infinite acc or p gives that infinity;
//   - subnormal acc is read as such (no flush), subnormal results are produced (gradual underflow), results
//     beyond the largest finite value round to +-Inf (RNE overflow);
//   - an exact zero sum is +0, except (-0) + (-0) = -0 (sec. 6.3); a nonzero sum that rounds to zero keeps
//     its sign.
//
// Datapath: both operands become W_F-bit integer significands (W_F = max(W, 24)) with the exponent of their
// LSB; p is normalised (leading one at the top), acc is used as stored (a subnormal acc keeps leading
// zeros). The operand with the larger LSB exponent is kept; the other is shifted right inside a window of
// W_F + 3 bits (guard, round, sticky), bits shifted out are ORed into the lowest bit. The sum or difference
// is normalised, shifted right again if it lies below 2^-126 (subnormal), and rounded at 24 bits.
// Why 3 extra bits suffice: the result's ulp is always >= 4 positions above the window's lowest bit, either
// because the kept operand is normalised (cancellation removes at most one bit once the shift is >= 2, and
// shifts <= 1 lose nothing), or because the kept operand is a subnormal acc whose LSB is 2^-149 or below
// while the result's ulp is >= 2^-149. The ORed sticky bit then makes the window value round to odd at
// position 1, which rounds like the exact sum.
module fp32_add #(
    parameter W = 8,   // bits of p_mag
    parameter EW = 10  // bits of p_exp (two's complement)
) (
    input  logic [31:0]   acc,
    input  logic          p_sign,
    input  logic [W-1:0]  p_mag,
    input  logic [EW-1:0] p_exp,
    input  logic          p_nan,
    input  logic          p_inf,
    output logic [31:0]   sum
);

  localparam WF = (W > 24) ? W : 24;  // significand field
  localparam N = WF + 3;              // window: field, guard, round, sticky
  localparam XW = 16;                 // internal exponent width (two's complement)

  // ---- acc: sign, 24-bit significand, exponent of its LSB (as stored: subnormals keep leading zeros)
  logic       a_sign;
  logic [7:0] a_ef;
  logic [22:0] a_fr;
  logic       a_nan, a_inf, a_zero;
  logic [WF-1:0] a_sig;
  logic signed [XW-1:0] a_e;
  assign a_sign = acc[31];
  assign a_ef = acc[30:23];
  assign a_fr = acc[22:0];
  assign a_nan = (a_ef == 8'hff) && (a_fr != 23'd0);
  assign a_inf = (a_ef == 8'hff) && (a_fr == 23'd0);
  assign a_zero = (a_ef == 8'd0) && (a_fr == 23'd0);
  assign a_sig = WF'({(a_ef != 8'd0), a_fr}) << (WF - 24);
  // value = a_sig * 2^a_e: exponent field max(ef, 1), bias 127, 23 fraction bits, WF - 24 padding bits.
  assign a_e = $signed({8'd0, (a_ef == 8'd0) ? 8'd1 : a_ef}) - 16'sd150 - $signed(16'(WF - 24));

  // ---- p: normalised so its leading one is the field's MSB
  logic [7:0] p_lz;  // leading zeros of p_mag (W when p_mag is zero)
  integer i;
  always_comb begin
    p_lz = 8'(W);
    for (i = 0; i < W; i = i + 1) begin
      if (p_mag[i]) p_lz = 8'(W - 1 - i);
    end
  end
  logic p_zero;
  logic [W-1:0] p_norm;
  logic [WF-1:0] p_sig;
  logic signed [XW-1:0] p_e;
  assign p_zero = (p_mag == {W{1'b0}});
  assign p_norm = p_mag << p_lz;
  assign p_sig = WF'(p_norm) << (WF - W);
  assign p_e = $signed({{(XW - EW){p_exp[EW-1]}}, p_exp}) - $signed({8'd0, p_lz}) - $signed(16'(WF - W));

  // ---- alignment: keep the operand with the larger LSB exponent (a zero operand is never kept over a
  // nonzero one), shift the other right into the window
  logic take_p;  // p is the kept ("big") operand
  assign take_p = a_zero ? 1'b1 : (p_zero ? 1'b0 : (p_e > a_e));
  logic b_sign, s_sign;
  logic [WF-1:0] b_sig, s_sig;
  logic signed [XW-1:0] b_e, s_e, d;
  assign b_sign = take_p ? p_sign : a_sign;
  assign s_sign = take_p ? a_sign : p_sign;
  assign b_sig = take_p ? p_sig : a_sig;
  assign s_sig = take_p ? a_sig : p_sig;
  assign b_e = take_p ? p_e : a_e;
  assign s_e = take_p ? a_e : p_e;
  assign d = b_e - s_e;
  logic [7:0] sh;  // clamped shift (N shifts everything out; d < 0 only when the small operand is zero)
  assign sh = (d < 0 || d > 16'(N)) ? 8'(N) : d[7:0];
  logic [N-1:0] b_win, s_win0, s_shifted, s_win;
  logic s_lost;
  assign b_win = {b_sig, 3'b000};
  assign s_win0 = {s_sig, 3'b000};
  assign s_shifted = s_win0 >> sh;
  assign s_lost = (s_win0 & ~({N{1'b1}} << sh)) != {N{1'b0}};
  assign s_win = {s_shifted[N-1:1], s_shifted[0] | s_lost};

  // ---- add or subtract magnitudes (N + 1 bits: carry)
  logic [N:0] mag;
  logic r_sign;
  always_comb begin
    if (b_sign == s_sign) begin
      mag = {1'b0, b_win} + {1'b0, s_win};
      r_sign = b_sign;
    end else if (b_win >= s_win) begin
      mag = {1'b0, b_win} - {1'b0, s_win};
      r_sign = b_sign;
    end else begin
      mag = {1'b0, s_win} - {1'b0, b_win};
      r_sign = s_sign;
    end
  end

  // ---- normalise: leading one to bit N; exponent of that bit
  logic [7:0] m_lz;
  integer j;
  always_comb begin
    m_lz = 8'(N + 1);
    for (j = 0; j <= N; j = j + 1) begin
      if (mag[j]) m_lz = 8'(N - j);
    end
  end
  logic [N:0] mag_n;
  logic signed [XW-1:0] e_lead;  // exponent of bit N of mag_n (bit 0 of the window is 2^(b_e - 3))
  assign mag_n = mag << m_lz;
  assign e_lead = b_e - 16'sd3 + 16'(N) - $signed({8'd0, m_lz});

  // ---- below 2^-126: shift right to the subnormal grid (ulp 2^-149), collecting a sticky bit
  logic tiny;
  logic [7:0] dsh;
  logic signed [XW-1:0] e_res;
  logic [N:0] mag_d;
  logic d_lost;
  assign tiny = e_lead < -16'sd126;
  assign dsh = !tiny ? 8'd0 : ((-16'sd126 - e_lead) > 16'(N + 1)) ? 8'(N + 1) : 8'(-16'sd126 - e_lead);
  assign mag_d = mag_n >> dsh;
  assign d_lost = (mag_n & ~({(N + 1){1'b1}} << dsh)) != {(N + 1){1'b0}};
  assign e_res = tiny ? -16'sd126 : e_lead;

  // ---- round to nearest, ties to even, at 24 bits
  logic [23:0] sig;
  logic rnd, stk, inc;
  logic [24:0] sig_r;
  logic [23:0] sig_f;
  logic signed [XW-1:0] e_f;
  assign sig = mag_d[N:N-23];
  assign rnd = mag_d[N-24];
  assign stk = (mag_d[N-25:0] != {(N - 24){1'b0}}) || d_lost;
  assign inc = rnd && (stk || sig[0]);
  assign sig_r = {1'b0, sig} + {24'd0, inc};
  assign sig_f = sig_r[24] ? sig_r[24:1] : sig_r[23:0];
  assign e_f = sig_r[24] ? e_res + 16'sd1 : e_res;

  // ---- pack, specials last
  logic [7:0] ef_out;
  assign ef_out = sig_f[23] ? 8'(e_f + 16'sd127) : 8'd0;  // no leading one: subnormal (or zero)
  always_comb begin
    if (a_nan || p_nan || (a_inf && p_inf && (a_sign != p_sign))) sum = 32'h7fc00000;
    else if (a_inf) sum = acc;
    else if (p_inf) sum = {p_sign, 8'hff, 23'd0};
    else if (mag == {(N + 1){1'b0}}) sum = {a_zero && p_zero && a_sign && p_sign, 31'd0};
    else if (e_f > 16'sd127) sum = {r_sign, 8'hff, 23'd0};
    else sum = {r_sign, ef_out, sig_f[22:0]};
  end

endmodule
