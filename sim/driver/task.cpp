#include "driver/task.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lpsim::driver {

namespace {

size_t argmax(const float* v, size_t n) {
  size_t best = 0;
  for (size_t i = 1; i < n; ++i)
    if (v[i] > v[best] || (std::isnan(v[best]) && !std::isnan(v[i]))) best = i;
  return best;
}
size_t argmax(const double* v, size_t n) {
  size_t best = 0;
  for (size_t i = 1; i < n; ++i)
    if (v[i] > v[best]) best = i;
  return best;
}

}  // namespace

void TaskCounts::add(const exec::TensorF& logits, const exec::TensorD& ref, const int64_t* lab,
                     const std::string& labels_file) {
  const size_t n = logits.shape.empty() ? 1 : static_cast<size_t>(logits.shape[0]);
  const size_t classes = n ? logits.v.size() / n : 0;
  labels = labels || lab != nullptr;
  for (size_t i = 0; i < n; ++i) {
    const float* y = logits.v.data() + i * classes;
    const double* r = ref.v.data() + i * classes;
    const size_t top = argmax(y, classes);
    agree_top1 += top == argmax(r, classes);
    for (size_t c = 0; c < classes; ++c) {
      logits_signal += r[c] * r[c];
      const double e = static_cast<double>(y[c]) - r[c];
      logits_noise += std::isfinite(e) ? e * e : std::numeric_limits<double>::infinity();
    }
    if (lab) {
      const int64_t want = lab[i];
      if (want < 0 || static_cast<size_t>(want) >= classes)
        throw InputError(labels_file + ": label " + std::to_string(want) + " is not one of the model's " +
                         std::to_string(classes) + " classes (0.." + std::to_string(classes - 1) + ")");
      correct_top1 += top == static_cast<size_t>(want);
      // top-5: fewer than 5 logits score higher than the label's (ties count against it).
      size_t higher = 0;
      for (size_t c = 0; c < classes; ++c) higher += y[c] > y[want] || (c != static_cast<size_t>(want) && y[c] == y[want]);
      correct_top5 += higher < 5;
    }
  }
  images += n;
}

void fill_task(report::Report& r, const TaskCounts& t, uint64_t batch, uint64_t batches) {
  const double imgs = static_cast<double>(t.images);
  auto pct = [&](uint64_t k) { return t.images ? report::Value(100.0 * static_cast<double>(k) / imgs) : report::Value{}; };
  auto col = [&](const std::string& key, const std::string& header, const std::string& unit, const std::string& help,
                 report::Value v, bool terminal, int precision) {
    r.task_columns.push_back({key, header, unit, help, terminal, precision});
    r.task.push_back(std::move(v));
  };
  const report::Value energy = r.total[r.index("energy_uj")], cycles = r.total[r.index("total_cycles")];
  const double e = std::holds_alternative<double>(energy) ? std::get<double>(energy) : 0.0;
  const double cyc = std::holds_alternative<int64_t>(cycles) ? static_cast<double>(std::get<int64_t>(cycles)) : 0.0;
  const double sqnr = t.logits_noise == 0 ? std::numeric_limits<double>::infinity()
                                          : 10.0 * std::log10(t.logits_signal / t.logits_noise);
  col("images", "images", "count", "images run", report::Value(static_cast<int64_t>(t.images)), true, 0);
  col("top1_pct", "top-1", "%", "top-1 accuracy against the labels", t.labels ? pct(t.correct_top1) : report::Value{},
      t.labels, 2);
  col("top5_pct", "top-5", "%", "top-5 accuracy against the labels", t.labels ? pct(t.correct_top5) : report::Value{},
      t.labels, 2);
  col("top1_agreement_pct", "top-1 agreement", "%", "images whose top-1 class equals the FP64 reference run's",
      pct(t.agree_top1), true, 2);
  col("logits_sqnr_db", "logits SQNR", "dB", "SQNR of the final logits against the FP64 reference run (pooled over "
      "every logit of every image)", report::Value(sqnr), true, 1);
  col("energy_per_image_uj", "energy / image", "uJ", "the run's energy divided by the images",
      report::Value(t.images ? e / imgs : 0.0), true, 3);
  col("cycles_per_image", "cycles / image", "cycles", "the run's total cycles divided by the images",
      report::Value(t.images ? cyc / imgs : 0.0), true, 1);
  col("batch", "batch", "images", "images per batch", report::Value(static_cast<int64_t>(batch)), false, 0);
  col("batches", "batches", "count", "batches run (the last may be smaller)", report::Value(static_cast<int64_t>(batches)),
      false, 0);
  col("correct_top1", "", "count", "images with the right top-1 class (raw count, for merging shards)",
      report::Value(static_cast<int64_t>(t.correct_top1)), false, 0);
  col("correct_top5", "", "count", "images with the label in the top 5 (raw count)",
      report::Value(static_cast<int64_t>(t.correct_top5)), false, 0);
  col("agree_top1", "", "count", "images agreeing with the reference's top-1 (raw count)",
      report::Value(static_cast<int64_t>(t.agree_top1)), false, 0);
  col("logits_signal", "", "value^2", "sum of squared reference logits (raw)", report::Value(t.logits_signal), false, 6);
  col("logits_noise", "", "value^2", "sum of squared logit errors (raw)", report::Value(t.logits_noise), false, 6);
}

}  // namespace lpsim::driver
