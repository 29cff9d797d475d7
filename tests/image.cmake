# The hibernation image tools (image/, kjump image, kjump disk). Included from tests/CMakeLists.txt.

# kjump disk create|info and kjump image info|verify|extract: exit statuses, one-line refusals,
# images from a second writer (tests/cli/hib_image.py), the core read back with readelf.
add_test(NAME cli_image_tools
         COMMAND ${CMAKE_SOURCE_DIR}/tests/cli/image_cli_test.sh $<TARGET_FILE:kjump> ${KJUMP_GUEST_KERNEL_ELF})
set_tests_properties(cli_image_tools PROPERTIES LABELS "cli" REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF} TIMEOUT 120)

# A real /proc/vmcore made into an image, verified against the kernel's build id, extracted, and
# read by gdb exactly as the vmcore itself. Exit status 77 (gdb, readelf or python3 missing): skipped.
add_test(NAME image_extract_gdb
         COMMAND ${CMAKE_SOURCE_DIR}/tests/cli/image_gdb.sh $<TARGET_FILE:kjump> ${CMAKE_BINARY_DIR})
set_tests_properties(image_extract_gdb PROPERTIES
  REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF}
  SKIP_RETURN_CODE 77
  TIMEOUT 300)

# The fuzz targets' seed corpus through the same entry points, in every build (fuzz/README.md).
add_test(NAME fuzz_seed_corpus_image
         COMMAND $<TARGET_FILE:kjump_fuzz_corpus> image ${CMAKE_SOURCE_DIR}/fuzz/corpus/image)
add_test(NAME fuzz_seed_corpus_bzimage
         COMMAND $<TARGET_FILE:kjump_fuzz_corpus> bzimage ${CMAKE_SOURCE_DIR}/fuzz/corpus/bzimage)
add_test(NAME fuzz_seed_corpus_mbr
         COMMAND $<TARGET_FILE:kjump_fuzz_corpus> mbr ${CMAKE_SOURCE_DIR}/fuzz/corpus/mbr ${CMAKE_SOURCE_DIR}/fuzz/corpus/image)
