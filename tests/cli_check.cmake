# Runs `lpsim <SUBCOMMAND>` once and checks its exit code, its output text and which files exist afterwards.
# Shared by the CLI tests of several areas (tests/numerics: quantize, tests/pe: gemm).
# -D LPSIM=<binary> -D SUBCOMMAND=<name> -D ARGS=<;-list> -D WORKDIR=<dir> -D EXPECT_RC=<n> -D EXPECT_REGEX=<regex>
# [-D ABSENT=<;-list of files that must not exist>] [-D PRESENT=<;-list that must exist>]
# [-D FILE=<file> -D FILE_REGEX=<regex its content must match>]
file(MAKE_DIRECTORY ${WORKDIR})
foreach(f ${ABSENT} ${PRESENT})
  file(REMOVE ${WORKDIR}/${f})
endforeach()
execute_process(COMMAND ${LPSIM} ${SUBCOMMAND} ${ARGS} WORKING_DIRECTORY ${WORKDIR}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("exit code ${rc}\n--- stdout\n${out}--- stderr\n${err}")
if(NOT rc STREQUAL EXPECT_RC)
  message(FATAL_ERROR "expected exit code ${EXPECT_RC}, got ${rc}")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT_REGEX}")
  message(FATAL_ERROR "output does not match: ${EXPECT_REGEX}")
endif()
foreach(f ${ABSENT})
  if(EXISTS ${WORKDIR}/${f} OR EXISTS ${WORKDIR}/${f}.tmp)
    message(FATAL_ERROR "${f} (or ${f}.tmp) exists but must not")
  endif()
endforeach()
foreach(f ${PRESENT})
  if(NOT EXISTS ${WORKDIR}/${f})
    message(FATAL_ERROR "${f} was not written")
  endif()
endforeach()
if(FILE)
  file(READ ${WORKDIR}/${FILE} content)
  if(NOT content MATCHES "${FILE_REGEX}")
    message(FATAL_ERROR "${FILE} does not match ${FILE_REGEX}:\n${content}")
  endif()
endif()
