# The Linux guest (linux/README.md): a real Linux 6.1 i386 kernel with Debian's kexec-tools on
# kjump and on QEMU. `linux_guest_build` builds the three kernels and the initramfs images
# with scripts/build-linux-guest.sh (cached in .linux-guest/ by the hash of their inputs, so a
# second run takes seconds); every other test here needs it (a ctest fixture). All carry the
# label `linux`; `ctest -LE linux` leaves them out. Not under the sanitizers (no_sanitize):
# booting Linux under ASan takes minutes and tests the same host code the unit tests do.
set(KJUMP_LINUX_DIR ${CMAKE_SOURCE_DIR}/.linux-guest)
# The three kernels: stock (scenarios 1, 2), fixed (3, 6) and PAE (5).
add_test(NAME linux_guest_build COMMAND ${CMAKE_SOURCE_DIR}/scripts/build-linux-guest.sh stock fixed pae)
# COST: started first, so the kernel builds (minutes on a cold cache) overlap the other tests.
set_tests_properties(linux_guest_build PROPERTIES FIXTURES_SETUP linux_guest COST 100000
  LABELS "linux;long;no_sanitize" TIMEOUT 3600 ENVIRONMENT "KJUMP_LINUX_DIR=${KJUMP_LINUX_DIR}")

# name: the scenario against its golden trace, when the golden was recorded with this guest
# build; otherwise two runs must agree (tests/linux/check_golden.sh says why and which).
function(kjump_linux_scenario name)
  add_test(NAME ${name}
           COMMAND ${CMAKE_SOURCE_DIR}/tests/linux/check_golden.sh $<TARGET_FILE:kjump>
                   ${CMAKE_SOURCE_DIR}/scenarios/linux/${name}.kjs ${KJUMP_LINUX_DIR})
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED linux_guest LABELS "linux;long;no_sanitize" TIMEOUT 900)
endfunction()
kjump_linux_scenario(linux_boot)
kjump_linux_scenario(linux_roundtrip)
kjump_linux_scenario(linux_physcall)

# Scenario 2 ends in the triple fault it is about: the test checks the run fails and the
# report names the chain, the instruction, its symbol and the GDT.
add_test(NAME linux_stock_fault
         COMMAND ${CMAKE_SOURCE_DIR}/tests/linux/linux_stock_fault.sh $<TARGET_FILE:kjump> ${KJUMP_LINUX_DIR})
set_tests_properties(linux_stock_fault PROPERTIES FIXTURES_REQUIRED linux_guest
  LABELS "linux;long;no_sanitize" TIMEOUT 900)

# Scenario 5: the PAE kernel switches paging on with CR4.PAE still 0; the audit names it.
add_test(NAME linux_pae_fault
         COMMAND ${CMAKE_SOURCE_DIR}/tests/linux/linux_pae_fault.sh $<TARGET_FILE:kjump> ${KJUMP_LINUX_DIR})
set_tests_properties(linux_pae_fault PROPERTIES FIXTURES_REQUIRED linux_guest
  LABELS "linux;long;no_sanitize" TIMEOUT 900)

# The same dialogues on QEMU, transcripts compared with kjump's: the boot, and the fixed kernel's
# round trip A -> B -> A (B's last console output before it jumps back needs the interrupt that
# the 8250 driver raises under spin_lock_irqsave to be taken at the popf: emu/block_count.h).
foreach(name linux_boot linux_roundtrip)
  add_test(NAME ${name}_qemu
           COMMAND ${CMAKE_SOURCE_DIR}/tests/linux/compare_qemu.sh $<TARGET_FILE:kjump>
                   ${CMAKE_SOURCE_DIR}/scenarios/linux/${name}.kjs ${KJUMP_LINUX_DIR})
  set_tests_properties(${name}_qemu PROPERTIES FIXTURES_REQUIRED linux_guest
    LABELS "linux;long;qemu;no_sanitize" TIMEOUT 900 SKIP_RETURN_CODE 77)
endforeach()
