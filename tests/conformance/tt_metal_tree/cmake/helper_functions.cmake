# CREATE_PGM_EXAMPLES_EXE(SOURCES SUBDIR), as tt-metal's cmake/helper_functions.cmake defines it
# for its programming examples: one executable per source, named by the file's stem, linking
# tt_metal (with m and pthread), the source's directory on the include path, written to
# <build>/programming_examples/SUBDIR, its name appended to PROGRAMMING_EXAMPLES_TEST_TARGETS.
function(CREATE_PGM_EXAMPLES_EXE TESTLIST SUBDIR)
  foreach(TEST_SRC ${TESTLIST})
    get_filename_component(TEST_TARGET ${TEST_SRC} NAME_WE)
    add_executable(${TEST_TARGET} ${TEST_SRC})
    target_link_libraries(${TEST_TARGET} PUBLIC tt_metal m pthread)
    target_include_directories(${TEST_TARGET} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
    set_target_properties(${TEST_TARGET} PROPERTIES RUNTIME_OUTPUT_DIRECTORY
                          ${PROJECT_BINARY_DIR}/programming_examples/${SUBDIR})
    list(APPEND PROGRAMMING_EXAMPLES_TEST_TARGETS ${TEST_TARGET})
  endforeach()
  set(PROGRAMMING_EXAMPLES_TEST_TARGETS "${PROGRAMMING_EXAMPLES_TEST_TARGETS}" PARENT_SCOPE)
endfunction()
