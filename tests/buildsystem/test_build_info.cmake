# cmake/build_info.cmake writes the revision of a git tree into the build-info
# header, with -dirty where tracked code differs from it, and data does not
# count. Run by CTest: cmake -DGIT_EXECUTABLE=… -DSOURCE_DIR=… -DWORK_DIR=… -P this file.
set(repo "${WORK_DIR}/repo")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${repo}/src" "${repo}/notebooks-data")
file(WRITE "${repo}/src/a.cpp" "int a;\n")
file(WRITE "${repo}/notebooks-data/result.csv" "1\n")
file(WRITE "${repo}/template.hpp.in" "@ROOFCAST_GIT_REVISION@ @PROJECT_VERSION@\n")

function(git)
  execute_process(COMMAND "${GIT_EXECUTABLE}" -c user.name=t -c user.email=t@t ${ARGN}
                  WORKING_DIRECTORY "${repo}" RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "git ${ARGN} failed")
  endif()
endfunction()

# The header build_info.cmake writes for the tree as it is now.
function(written out_var)
  execute_process(COMMAND "${CMAKE_COMMAND}" -DSOURCE_DIR=${repo} -DTEMPLATE=${repo}/template.hpp.in
                          -DOUTPUT=${WORK_DIR}/out.hpp -DVERSION=9.9 -DGIT_EXECUTABLE=${GIT_EXECUTABLE}
                          -P "${SOURCE_DIR}/cmake/build_info.cmake" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "build_info.cmake failed")
  endif()
  file(READ "${WORK_DIR}/out.hpp" text)
  string(STRIP "${text}" text)
  set(${out_var} "${text}" PARENT_SCOPE)
endfunction()

function(expect what got want)
  if(NOT got STREQUAL want)
    message(FATAL_ERROR "${what}: got '${got}', want '${want}'")
  endif()
endfunction()

# Not a git tree: unknown.
written(text)
expect("no .git" "${text}" "unknown 9.9")

git(init -q)
git(add .)
git(commit -q -m first)
execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --short=12 HEAD WORKING_DIRECTORY "${repo}"
                OUTPUT_VARIABLE first OUTPUT_STRIP_TRAILING_WHITESPACE)
written(text)
expect("clean tree" "${text}" "${first} 9.9")

file(WRITE "${repo}/notebooks-data/result.csv" "2\n")
written(text)
expect("data changed" "${text}" "${first} 9.9")

file(WRITE "${repo}/src/a.cpp" "int b;\n")
written(text)
expect("code changed" "${text}" "${first}-dirty 9.9")

git(commit -q -a -m second)
execute_process(COMMAND "${GIT_EXECUTABLE}" rev-parse --short=12 HEAD WORKING_DIRECTORY "${repo}"
                OUTPUT_VARIABLE second OUTPUT_STRIP_TRAILING_WHITESPACE)
written(text)
expect("after a commit" "${text}" "${second} 9.9")
if(second STREQUAL first)
  message(FATAL_ERROR "the commit did not move HEAD")
endif()
file(REMOVE_RECURSE "${WORK_DIR}")
