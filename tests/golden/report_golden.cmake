# SPDX-License-Identifier: Apache-2.0
# cmake -DVIGIA=... -DEVENTS=... -DRULES=... -DFORMAT=text|json -DEXPECTED=... -DOUT=...
#       -P report_golden.cmake
# `vigia replay --report` output must equal the reviewed expected file.
execute_process(COMMAND ${VIGIA} replay --quiet --report --format ${FORMAT} --rules ${RULES} ${EVENTS}
                OUTPUT_FILE ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "vigia replay --report exited ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT} ${EXPECTED} RESULT_VARIABLE diff)
if(NOT diff EQUAL 0)
  execute_process(COMMAND diff -u ${EXPECTED} ${OUT})
  message(FATAL_ERROR "report differs from ${EXPECTED}")
endif()
