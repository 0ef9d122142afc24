// libFuzzer target: the results.csv reader of lpsim sweep-merge (table, axis columns, re-rendering).
#include "fuzz_util.h"
#include "sweep/csv_table.h"
#include "sweep/results.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = lpsim::fuzz::as_text(data, size);
  lpsim::fuzz::expect_input_errors_only([&] {
    const lpsim::sweep::Table t = lpsim::sweep::parse_table(text, "results.csv");
    (void)lpsim::sweep::axis_columns_of(t);
    (void)lpsim::sweep::render_table(t);
  });
  return 0;
}
