# SPDX-License-Identifier: Apache-2.0
# cmake -DVIGIA=... -DEVENTS=... -DRULES=... -DOUT=prefix -P replay_determinism.cmake
foreach(run 1 2)
  execute_process(COMMAND ${VIGIA} replay --quiet --rules ${RULES} ${EVENTS}
                  OUTPUT_FILE ${OUT}.${run} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "vigia replay exited ${rc}")
  endif()
endforeach()
file(SIZE ${OUT}.1 size)
if(size EQUAL 0)
  message(FATAL_ERROR "the replay raised no alert: nothing to compare")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}.1 ${OUT}.2 RESULT_VARIABLE diff)
if(NOT diff EQUAL 0)
  message(FATAL_ERROR "two replays of the same input differ")
endif()
