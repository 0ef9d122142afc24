# lpsim sweep + lpsim report end to end on configs/sweeps/format_by_array.yaml, and the report's degraded mode on
# a results table without cost columns. Prints "SKIP: ..." (the test's SKIP_REGULAR_EXPRESSION) when
# /usr/bin/python3 has no matplotlib.
# -D LPSIM=<binary> -D SOURCE_DIR=<repo> -D DATA=<tests/data/sweep> -D WORKDIR=<scratch dir>
execute_process(COMMAND /usr/bin/python3 -c "import matplotlib" RESULT_VARIABLE has_mpl OUTPUT_QUIET ERROR_QUIET)
if(NOT has_mpl EQUAL 0)
  message("SKIP: /usr/bin/python3 has no matplotlib (sudo apt-get install python3-matplotlib)")
  return()
endif()
file(REMOVE_RECURSE ${WORKDIR})
file(MAKE_DIRECTORY ${WORKDIR})

function(lpsim_step expect_rc regex)
  execute_process(COMMAND ${LPSIM} ${ARGN} WORKING_DIRECTORY ${WORKDIR}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  message("$ lpsim ${ARGN}\nexit code ${rc}\n${out}${err}")
  if(NOT rc STREQUAL expect_rc)
    message(FATAL_ERROR "expected exit code ${expect_rc}, got ${rc}")
  endif()
  if(NOT "${out}${err}" MATCHES "${regex}")
    message(FATAL_ERROR "output does not match: ${regex}")
  endif()
endfunction()

# A PNG: the 8-byte signature and more than `min` bytes.
function(expect_png path min)
  if(NOT EXISTS ${path})
    message(FATAL_ERROR "${path} was not written")
  endif()
  file(SIZE ${path} size)
  file(READ ${path} magic LIMIT 8 HEX)
  if(NOT magic STREQUAL "89504e470d0a1a0a" OR size LESS min)
    message(FATAL_ERROR "${path} is not a PNG of at least ${min} bytes (signature ${magic}, ${size} bytes)")
  endif()
endfunction()

# 1. The shipped sweep: 12 points, all ok.
lpsim_step(0 "12 points: 12 ok" sweep ${SOURCE_DIR}/configs/sweeps/format_by_array.yaml --out fba --jobs 2)
file(STRINGS ${WORKDIR}/fba/results.csv lines)
list(LENGTH lines n)
if(NOT n EQUAL 13)
  message(FATAL_ERROR "results.csv has ${n} lines, expected a header and 12 rows")
endif()
list(GET lines 0 header)

# 2. The report: plots by the columns present, every PNG embedded in index.html.
lpsim_step(0 "wrote .*index.html" report fba/results.csv --out fba/report)
set(pngs accuracy_vs_cycles.png)
if(header MATCHES "(^|,)energy_per_mac_pj(,|$)")
  list(APPEND pngs accuracy_vs_energy.png)
endif()
if(header MATCHES "(^|,)area_mm2(,|$)")
  list(APPEND pngs cycles_vs_area.png)
endif()
if(header MATCHES ",energy_[a-z_]+_uj,")
  list(APPEND pngs energy_breakdown.png)
endif()
foreach(p ${pngs})
  expect_png(${WORKDIR}/fba/report/${p} 10000)
endforeach()
file(READ ${WORKDIR}/fba/report/index.html page)
string(REGEX MATCHALL "data:image/png;base64,[A-Za-z0-9+/]" embedded "${page}")
list(LENGTH embedded n_embedded)
list(LENGTH pngs n_pngs)
if(n_embedded LESS n_pngs)
  message(FATAL_ERROR "index.html embeds ${n_embedded} images, expected at least ${n_pngs}")
endif()
# Cycles follow the array and, under the reuse memory model's shared DRAM, the bytes of the format (8-bit formats
# 2916 cycles on 64x64, 16-bit ones 3922); SQNR follows the format only (int16 best, fp8 above mxfp8). The
# accuracy-vs-cycles front is fp8 64x64 (fastest) and int16 64x64 (most accurate): 2 of 12 points.
if(NOT page MATCHES "Accuracy vs cycles</h2><p>[^<]*Pareto front \\(2 of 12 points\\)")
  message(FATAL_ERROR "index.html: the accuracy-vs-cycles front is not fp8 and int16 on 64x64")
endif()
if(NOT page MATCHES "<td class='t'>format=int16 rows=64</td><td>3922</td>")
  message(FATAL_ERROR "index.html: front table lacks format=int16 rows=64 at 3922 cycles")
endif()
foreach(needle "<table>" "<th>sqnr_db<br><small>[dB]</small></th>" "Points are named by format, rows")
  string(FIND "${page}" "${needle}" at)
  if(at LESS 0)
    message(FATAL_ERROR "index.html lacks ${needle}")
  endif()
endforeach()

# 3. Degraded: no cost columns, one failed point -> cost plots skipped with a note, the rest drawn.
lpsim_step(0 "note: Accuracy vs energy per MAC: skipped, the results have no values in energy_per_mac_pj"
           report ${DATA}/results_no_cost.csv --out nocost)
expect_png(${WORKDIR}/nocost/accuracy_vs_cycles.png 10000)
foreach(p accuracy_vs_energy.png cycles_vs_area.png energy_breakdown.png)
  if(EXISTS ${WORKDIR}/nocost/${p})
    message(FATAL_ERROR "nocost/${p} exists but the results have no cost columns")
  endif()
endforeach()
file(READ ${WORKDIR}/nocost/index.html page)
if(NOT page MATCHES "class='note'>Cycles vs area: skipped" OR NOT page MATCHES "<tr class='failed'>")
  message(FATAL_ERROR "nocost/index.html lacks the skip note or the failed row")
endif()

# 4. Bad input: unknown column, not a results table.
lpsim_step(2 "--x: column 'nope' is not in" report fba/results.csv --out bad --x nope --y sqnr_db)
lpsim_step(2 "column \"id\" is missing: not a results table" report ${DATA}/base.yaml --out bad)
if(EXISTS ${WORKDIR}/bad/index.html)
  message(FATAL_ERROR "a failed report wrote bad/index.html")
endif()

# 5. Like with like: a sweep over two workloads gets one front per workload, points named by the traces' file
#    stems (not their paths) and only the axes that vary; a '$' in a label is drawn literally.
file(WRITE ${WORKDIR}/two.yaml "base: ${SOURCE_DIR}/configs/tiny_gemm_accuracy.yaml
axes:
  workload.trace: [${SOURCE_DIR}/traces/tiny_gemm.yaml, ${SOURCE_DIR}/traces/tiny_cnn.yaml]
  format:
    bf16: {accelerator.pe.activations: bf16, accelerator.pe.weights: bf16}
    \"int8 $x$\": {accelerator.pe.activations: int8, accelerator.pe.weights: int8}
  accelerator.array.rows: [16, 32]
")
lpsim_step(0 "8 points: 8 ok" sweep two.yaml --out two --jobs 2)
lpsim_step(0 "wrote .*index.html" report two/results.csv --out two/report)
file(READ ${WORKDIR}/two/report/index.html page)
foreach(needle "one Pareto front per trace" "Points are named by format, rows"
               "<td class='t'>tiny_gemm</td><td class='t'>format=int8 $x$ rows=" "<td class='t'>tiny_cnn</td>")
  string(FIND "${page}" "${needle}" at)
  if(at LESS 0)
    message(FATAL_ERROR "two/report/index.html lacks ${needle}")
  endif()
endforeach()
string(FIND "${page}" "format=bf16 rows=16 trace=" at)
string(FIND "${page}" "<details>" folded)  # the folded full table shows the cells as written
string(SUBSTRING "${page}" 0 ${folded} shown)
string(FIND "${shown}" "${SOURCE_DIR}" at2)
if(NOT at LESS 0 OR NOT at2 LESS 0)
  message(FATAL_ERROR "two/report/index.html names a point by a path or puts the group in its name")
endif()
#    --filter and --group-by
lpsim_step(0 "wrote .*index.html" report two/results.csv --out two/only_cnn --filter workload.trace=tiny_cnn
           --group-by accelerator.array.rows)
file(READ ${WORKDIR}/two/only_cnn/index.html page)
if(NOT page MATCHES "4 points from [^:]*\\(filter: workload.trace=tiny_cnn\\)" OR NOT page MATCHES "one Pareto front per rows")
  message(FATAL_ERROR "two/only_cnn/index.html: not the 4 tiny_cnn points grouped by rows")
endif()
lpsim_step(2 "--filter: no row of two/results.csv matches workload.trace=resnet50 \\(values of workload.trace: tiny_cnn, tiny_gemm\\)"
           report two/results.csv --out two/none --filter workload.trace=resnet50)
lpsim_step(2 "--group-by: column 'nope' is not in" report two/results.csv --out two/none --group-by nope)

# 6. Malformed results (issue 14): one line naming the file and line, exit 2, nothing written; odd but valid
#    values draw.
set(BAD ${DATA}/bad_results)
lpsim_step(2 "^error: [^\n]*extra_cell.csv:3: 21 cells where the header has 20 columns \\(extra cell 'surplus' in column 21\\)\n$"
           report ${BAD}/extra_cell.csv --out bad_extra)
lpsim_step(2 "^error: [^\n]*invalid_utf8.csv:3: invalid UTF-8 \\(byte 0xe9 at column 20\\)[^\n]*\n$"
           report ${BAD}/invalid_utf8.csv --out bad_utf8)
lpsim_step(2 "^error: [^\n]*unterminated_quote.csv:[0-9]+: malformed CSV: [^\n]*\n$"
           report ${BAD}/unterminated_quote.csv --out bad_quote)
foreach(d bad_extra bad_utf8 bad_quote)
  if(EXISTS ${WORKDIR}/${d})
    message(FATAL_ERROR "a failed report created ${d}/")
  endif()
endforeach()
lpsim_step(0 "wrote .*index.html" report ${BAD}/dollar_label.csv --out dollar)
file(READ ${WORKDIR}/dollar/index.html page)
string(FIND "${page}" "$10^{x$ budget" at)
if(at LESS 0)
  message(FATAL_ERROR "dollar/index.html lacks the literal label $10^{x$ budget")
endif()
lpsim_step(0 "note: 8 values of magnitude 1e\\+100 or more are left out of the plots" report ${BAD}/huge_range.csv --out huge)
expect_png(${WORKDIR}/huge/cycles_vs_area.png 5000)
