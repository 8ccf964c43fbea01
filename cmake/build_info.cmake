# Writes the build-info header (cmake/build_info.hpp.in) with the source
# tree's git revision. Run at every build by the roofcast_build_info target,
# so that the revision every result carries follows commits, checkouts and
# uncommitted edits: configured once, it stayed on the revision of the
# configure (session 26's committed run read c38886e, built from 8b3432d).
# The header is rewritten only when its text changes, so an unchanged
# revision recompiles nothing.
#
# -DSOURCE_DIR=… -DTEMPLATE=… -DOUTPUT=… -DVERSION=… [-DGIT_EXECUTABLE=…]
set(ROOFCAST_GIT_REVISION "unknown")
if(GIT_EXECUTABLE AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --short=12 HEAD
                  WORKING_DIRECTORY "${SOURCE_DIR}" OUTPUT_VARIABLE _rev
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rev_rc)
  if(_rev_rc EQUAL 0 AND _rev)
    set(ROOFCAST_GIT_REVISION "${_rev}")
    # Tracked code that differs from that revision: the build is not its code.
    # (Data the benchmark rewrites, notebooks-data/, does not count.)
    execute_process(COMMAND "${GIT_EXECUTABLE}" status --porcelain --untracked-files=no --
                            CMakeLists.txt CMakePresets.json cmake include src runners
                    WORKING_DIRECTORY "${SOURCE_DIR}" OUTPUT_VARIABLE _changed
                    OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _status_rc)
    if(_status_rc EQUAL 0 AND NOT _changed STREQUAL "")
      string(APPEND ROOFCAST_GIT_REVISION "-dirty")
    endif()
  endif()
endif()
set(PROJECT_VERSION "${VERSION}")
set(PROJECT_SOURCE_DIR "${SOURCE_DIR}")
configure_file("${TEMPLATE}" "${OUTPUT}" @ONLY)
