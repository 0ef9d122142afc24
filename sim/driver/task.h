// Task accuracy of a model run over a labelled data set (workload.dataset): per batch, the model's first output
// is taken as class logits; top-1/top-5 against the labels, top-1 agreement with the FP64 reference run of the same
// graph, and the SQNR of the logits against that reference. Counts are kept raw (correct answers, signal and
// noise power) so shards of one evaluation merge exactly (`lpsim sweep-merge`).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "exec/executor.h"
#include "report/report.h"

namespace lpsim::driver {

struct TaskCounts {
  uint64_t images = 0, correct_top1 = 0, correct_top5 = 0, agree_top1 = 0;
  double logits_signal = 0, logits_noise = 0;  // sum ref^2, sum (logit - ref)^2 over every logit
  bool labels = false;
  // One batch: logits (images x classes; trailing dims flattened) and their reference; labels may be null.
  // Throws InputError naming `labels_file` when a label is not a class of the logits.
  void add(const exec::TensorF& logits, const exec::TensorD& ref, const int64_t* labels,
           const std::string& labels_file);
};

// The task section of the report: the figures, energy and cycles per image (from the run's TOTAL energy_uj and
// total_cycles), and the raw counts.
void fill_task(report::Report& r, const TaskCounts& t, uint64_t batch, uint64_t batches);

}  // namespace lpsim::driver
