# The debugger: its verbs in scripts with golden output, determinism under debugging, the
# console, the GDB stub. Included from tests/CMakeLists.txt.
set(KJUMP_GUEST_KERNEL_ELF ${CMAKE_BINARY_DIR}/guest/kernel/kernel.elf)
add_test(NAME debug_determinism
         COMMAND ${CMAKE_SOURCE_DIR}/tests/debug/determinism.sh $<TARGET_FILE:kjump> ${CMAKE_BINARY_DIR})
file(GLOB KJUMP_DEBUG_SCRIPTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/debug/*.expected)
foreach(expected ${KJUMP_DEBUG_SCRIPTS})
  get_filename_component(name ${expected} NAME_WE)
  add_test(NAME debug_output_${name}
           COMMAND ${CMAKE_SOURCE_DIR}/tests/debug/check_output.sh $<TARGET_FILE:kjump>
                   ${CMAKE_SOURCE_DIR}/tests/debug/${name}.kjs ${CMAKE_BINARY_DIR})
  list(APPEND KJUMP_DEBUG_TESTS debug_output_${name})
endforeach()
set_tests_properties(debug_determinism ${KJUMP_DEBUG_TESTS} PROPERTIES
  REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF} TIMEOUT 300)
add_test(NAME debug_console
         COMMAND ${CMAKE_SOURCE_DIR}/tests/debug/console_test.sh $<TARGET_FILE:kjump> ${CMAKE_BINARY_DIR})
set_tests_properties(debug_console PROPERTIES REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF} TIMEOUT 120)
add_test(NAME debug_gdb
         COMMAND ${CMAKE_SOURCE_DIR}/tests/debug/gdb_test.sh $<TARGET_FILE:kjump> ${CMAKE_BINARY_DIR})
set_tests_properties(debug_gdb PROPERTIES REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF} TIMEOUT 180 SKIP_RETURN_CODE 77)
# The GDB packet parser's fuzz entry on its seeds (and on the other targets' seeds: any bytes).
add_test(NAME fuzz_seed_corpus_gdb
         COMMAND $<TARGET_FILE:kjump_fuzz_corpus> gdb ${CMAKE_SOURCE_DIR}/fuzz/corpus/gdb ${CMAKE_SOURCE_DIR}/fuzz/corpus/mbr)
