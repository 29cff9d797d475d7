# Bad input never hurts the host (issue 11, "keep it fixed"): the fuzz targets' seed corpora
# through their entry points in every build (and so under ASan+UBSan in CI's sanitizer pass),
# damaged copies of every kind of file through the real CLI, and SIGKILLs in disk commits.
# (fuzz_seed_corpus_image, _mbr and _gdb live with their layers: image.cmake, debug.cmake.)
foreach(target elf multiboot scenario snapshot state input_log trace)
  add_test(NAME fuzz_seed_corpus_${target}
           COMMAND $<TARGET_FILE:kjump_fuzz_corpus> ${target} ${CMAKE_SOURCE_DIR}/fuzz/corpus/${target})
  set_tests_properties(fuzz_seed_corpus_${target} PROPERTIES TIMEOUT 300)
endforeach()
# The replay seeds must get all the way into a machine, or the fuzzer starts from refusals: a
# seed that no longer restores (the spinning test kernel or the state layout changed) fails
# here; fuzz/make-seeds.sh writes them again (with the crafted reproducers: of the six
# snapshots, the long-mode context and the field name with a newline are refused and the
# newline tag never reaches a state).
set_tests_properties(fuzz_seed_corpus_snapshot PROPERTIES ENVIRONMENT KJUMP_FUZZ_VERBOSE=1
  PASS_REGULAR_EXPRESSION "restored and probed.*restored and probed.*restored and probed.*6 inputs, no crash")
set_tests_properties(fuzz_seed_corpus_state PROPERTIES ENVIRONMENT KJUMP_FUZZ_VERBOSE=1
  PASS_REGULAR_EXPRESSION "loaded and probed.*loaded and probed.*loaded and probed.*5 inputs, no crash")

# Damaged snapshots, input logs, traces, scripts, kernels, hibernation images and disk images:
# refused in one line naming the file, or accepted; never a crash or a hang.
add_test(NAME damaged_files
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/cli/damaged_files.py $<TARGET_FILE:kjump> ${CMAKE_BINARY_DIR})
set_tests_properties(damaged_files PROPERTIES LABELS "long" REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF} TIMEOUT 1800)

# A run that commits a disk image twice, SIGKILLed at every step of both commits: the image is
# always the old or the new content, never mixed, never a link; nothing else is touched.
add_test(NAME disk_commit_kill
         COMMAND ${CMAKE_SOURCE_DIR}/tests/scenario/disk_kill.sh ${CMAKE_BINARY_DIR})
set_tests_properties(disk_commit_kill PROPERTIES REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF} TIMEOUT 900)
