# Integration tests: whole images on whole machines. Included from tests/CMakeLists.txt.

# The guest kernel on QEMU, the reference machine (shared/docs/pc-devices-reference.md §9.5).
# Exit status 77 (qemu-system-i386 missing) counts as skipped.
set(KJUMP_GUEST_KERNEL_ELF ${CMAKE_BINARY_DIR}/guest/kernel/kernel.elf)
add_test(NAME guest_qemu_smoke
         COMMAND ${CMAKE_SOURCE_DIR}/tests/guest/qemu_smoke.sh ${KJUMP_GUEST_KERNEL_ELF})
set_tests_properties(guest_qemu_smoke PROPERTIES
  LABELS "qemu;no_sanitize"
  REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF}
  SKIP_RETURN_CODE 77
  TIMEOUT 120)

# kjump against QEMU: identical serial transcripts, exit statuses and disk images.
add_test(NAME differential_qemu
         COMMAND ${CMAKE_SOURCE_DIR}/tests/diff/differential.sh $<TARGET_FILE:kjump> ${KJUMP_GUEST_KERNEL_ELF})
set_tests_properties(differential_qemu PROPERTIES
  LABELS "qemu;no_sanitize"
  REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF}
  SKIP_RETURN_CODE 77
  TIMEOUT 300)
