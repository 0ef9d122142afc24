// Out-of-line PE steps (pe_step.h): thin wrappers around the inline step code the kernels run, compiled with
// lpsim_pe's floating-point flags.
#include "pe/pe_step.h"

#include <stdexcept>
#include <string>

namespace lpsim::model {

AccRounder fp32_accumulator() { return AccRounder{num::kFP32, true}; }

AccRounder accumulator_of(const ResolvedPe& r) { return AccRounder{r.acc, r.acc_is_fp32}; }

double pe_mac_step(const AccRounder& acc, double acc_value, float a, float b) {
  return pe_detail::mac_step(acc, acc_value, a, b);
}

int32_t pe_vnni_step(int32_t acc, int16_t a0, int16_t a1, int16_t b0, int16_t b1, Int32Policy policy,
                  bool* overflow) {
  uint64_t ovf = 0;
  const int32_t r = pe_detail::int32_add(acc, pe_detail::vnni_dot(a0, a1, b0, b1),
                                         policy == Int32Policy::kSpill ? Int32Policy::kWrap : policy, ovf);
  if (overflow) *overflow = ovf != 0;
  return r;
}

double pe_mx_block_step(const AccRounder& acc, double acc_value, const double* a, const double* b, int n,
                     uint8_t scale_a, uint8_t scale_b) {
  if (n < 1 || n > 64) throw std::invalid_argument("pe_mx_block_step: block size " + std::to_string(n) +
                                                   " outside 1..64");
  return pe_detail::mx_acc_step(acc, acc_value, pe_detail::mx_block_sum(a, 1, b, 1, n),
                                pe_detail::mx_scale_value(scale_a), pe_detail::mx_scale_value(scale_b));
}

float pe_int_output(int32_t acc, int exp_sum) { return pe_detail::int_to_fp32(acc, exp_sum); }

}  // namespace lpsim::model
