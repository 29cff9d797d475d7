# Integration tests: whole images on whole machines. Included from tests/CMakeLists.txt.

# The guest kernel on QEMU, the reference machine (docs/pc-devices-reference.md §9.5).
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

# Scenario scripts: every scenarios/NAME.kjs runs and must match scenarios/golden/NAME.trace
# (regenerate them all with scripts/regen-goldens.sh).
file(GLOB KJUMP_SCENARIO_SCRIPTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/scenarios/*.kjs)
foreach(script ${KJUMP_SCENARIO_SCRIPTS})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME scenario_${name}
           COMMAND $<TARGET_FILE:kjump> run ${script} --quiet --set BUILD=${CMAKE_BINARY_DIR}
                   --check ${CMAKE_SOURCE_DIR}/scenarios/golden/${name}.trace)
  set_tests_properties(scenario_${name} PROPERTIES REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF} TIMEOUT 300)
endforeach()

# The golden trace catches one send delivered one instruction late, naming the checkpoint and
# the component; and a recorded run replays to the same trace. The perturbed send is
# boot_shell.kjs's 8th, the `uptime` after `wait 50ms`: it arrives while the guest is halted,
# so a later arrival always moves the guest's wake-up. (A send that arrives while the guest
# busy-polls the UART can be absorbed by the poll loop: the guest then never sees the delay.)
add_test(NAME scenario_perturbed_input_diverges
         COMMAND ${CMAKE_SOURCE_DIR}/tests/scenario/perturb_check.sh $<TARGET_FILE:kjump>
                 ${CMAKE_SOURCE_DIR}/scenarios/boot_shell.kjs ${CMAKE_SOURCE_DIR}/scenarios/golden/boot_shell.trace
                 ${CMAKE_BINARY_DIR} 8)
add_test(NAME scenario_record_replay
         COMMAND ${CMAKE_SOURCE_DIR}/tests/scenario/record_replay.sh $<TARGET_FILE:kjump>
                 ${CMAKE_SOURCE_DIR}/scenarios/boot_shell.kjs ${CMAKE_SOURCE_DIR}/scenarios/golden/boot_shell.trace
                 ${CMAKE_BINARY_DIR})
# --record across snapshot restores: one branch per restore, and --replay of the same script passes.
add_test(NAME scenario_record_restore
         COMMAND ${CMAKE_SOURCE_DIR}/tests/scenario/record_restore.sh $<TARGET_FILE:kjump>
                 ${CMAKE_SOURCE_DIR}/tests/scenario/record_restore/branches.kjs ${CMAKE_BINARY_DIR})
set_tests_properties(scenario_perturbed_input_diverges scenario_record_replay scenario_record_restore PROPERTIES
  REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF} TIMEOUT 300)

# Bad scripts: each is refused with exactly one line "file:line:col: error: ..." and exit 2.
file(GLOB KJUMP_SCENARIO_ERRORS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/scenario_errors/*.kjs)
foreach(script ${KJUMP_SCENARIO_ERRORS})
  get_filename_component(name ${script} NAME_WE)
  add_test(NAME scenario_error_${name}
           COMMAND ${CMAKE_SOURCE_DIR}/tests/scenario_errors/check_error.sh $<TARGET_FILE:kjump> ${script}
                   ${CMAKE_BINARY_DIR})
  set_tests_properties(scenario_error_${name} PROPERTIES REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF} TIMEOUT 60)
endforeach()

# kjump boot: bad input and misbehaving guests end with one clear line and the right status.
add_test(NAME cli_boot_errors
         COMMAND ${CMAKE_SOURCE_DIR}/tests/cli/cli_test.sh $<TARGET_FILE:kjump> ${KJUMP_GUEST_KERNEL_ELF}
                 ${CMAKE_BINARY_DIR}/tests/guest_images)
set_tests_properties(cli_boot_errors PROPERTIES LABELS "cli" TIMEOUT 120)
# The command line itself: option parsing, one-line errors, output files checked first, --json
# on errors, Ctrl-C cleanup, relative --set paths, spinning guests called hung.
add_test(NAME cli_run_options
         COMMAND ${CMAKE_SOURCE_DIR}/tests/cli/run_cli_test.sh $<TARGET_FILE:kjump> ${CMAKE_BINARY_DIR}
                 ${CMAKE_BINARY_DIR}/tests/guest_images)
set_tests_properties(cli_run_options PROPERTIES LABELS "cli" REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF} TIMEOUT 300)
# Engine start-up under valgrind's memcheck: nothing uninitialised read (skipped without valgrind).
add_test(NAME cli_valgrind_startup
         COMMAND ${CMAKE_SOURCE_DIR}/tests/cli/valgrind_startup.sh $<TARGET_FILE:kjump> ${CMAKE_BINARY_DIR}/tests/guest_images)
set_tests_properties(cli_valgrind_startup PROPERTIES LABELS "cli;no_sanitize" SKIP_RETURN_CODE 77 TIMEOUT 300)

# Kexec jump acceptance (tests/guest/kexec_qemu.sh): ping-pong, physical-mode call, a device
# refusing to suspend, bad loads. The same transcripts on QEMU and on kjump.
set(KJUMP_PHYSCALL_ELF ${CMAKE_BINARY_DIR}/tests/guest_images/physcall.elf)
add_test(NAME guest_kexec_qemu
         COMMAND ${CMAKE_SOURCE_DIR}/tests/guest/kexec_qemu.sh ${KJUMP_GUEST_KERNEL_ELF} ${KJUMP_PHYSCALL_ELF})
set_tests_properties(guest_kexec_qemu PROPERTIES
  LABELS "qemu;no_sanitize"
  REQUIRED_FILES "${KJUMP_GUEST_KERNEL_ELF};${KJUMP_PHYSCALL_ELF}"
  SKIP_RETURN_CODE 77
  TIMEOUT 300)
add_test(NAME guest_kexec_kjump
         COMMAND ${CMAKE_SOURCE_DIR}/tests/guest/kexec_qemu.sh ${KJUMP_GUEST_KERNEL_ELF} ${KJUMP_PHYSCALL_ELF}
                 --kjump $<TARGET_FILE:kjump>)
set_tests_properties(guest_kexec_kjump PROPERTIES
  LABELS "no_sanitize"
  REQUIRED_FILES "${KJUMP_GUEST_KERNEL_ELF};${KJUMP_PHYSCALL_ELF}"
  SKIP_RETURN_CODE 77
  TIMEOUT 900)

# Periodic checkpoints (--checkpoint-every N) land on exact instruction multiples, reproducibly.
add_test(NAME scenario_checkpoint_every
         COMMAND ${CMAKE_SOURCE_DIR}/tests/scenario/checkpoint_every.sh $<TARGET_FILE:kjump>
                 ${CMAKE_SOURCE_DIR}/scenarios/boot_shell.kjs ${CMAKE_BINARY_DIR})
set_tests_properties(scenario_checkpoint_every PROPERTIES REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF} TIMEOUT 120)

# A snapshot file written by one kjump process, restored by another: the same future.
add_test(NAME scenario_snapshot_two_processes
         COMMAND ${CMAKE_SOURCE_DIR}/tests/scenario/snapshot_two_process.sh $<TARGET_FILE:kjump> ${CMAKE_BINARY_DIR})
set_tests_properties(scenario_snapshot_two_processes PROPERTIES REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF} TIMEOUT 120)

# The devices' programmed configuration, field by field: `assert config == snapshot` passes
# across the guest's suspend/resume of every device and fails, listing the fields, once the
# devices hold another configuration; `kjump snapshot diff [--config]` on the snapshot files,
# two of them from differently configured machines, and on bad files.
add_test(NAME scenario_device_config
         COMMAND ${CMAKE_SOURCE_DIR}/tests/scenario/device_config.sh $<TARGET_FILE:kjump> ${CMAKE_BINARY_DIR})
set_tests_properties(scenario_device_config PROPERTIES REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF} TIMEOUT 120)

# The seed's hibernation across two kjump processes, every refusal of a bad image by kernel C,
# and the power-cut rule (tests/scenario/hibernate_flow.sh).
add_test(NAME hibernate_flow
         COMMAND ${CMAKE_SOURCE_DIR}/tests/scenario/hibernate_flow.sh ${CMAKE_BINARY_DIR})
set_tests_properties(hibernate_flow PROPERTIES
  LABELS "hibernate;no_sanitize"
  REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF}
  TIMEOUT 1500)

# Snapshot debugging with hibernation images: two moments of A, extracted and read by name in gdb.
add_test(NAME hibernate_snapshot_images
         COMMAND ${CMAKE_SOURCE_DIR}/tests/scenario/snapshot_debug/two_images.sh $<TARGET_FILE:kjump>
                 ${CMAKE_BINARY_DIR})
set_tests_properties(hibernate_snapshot_images PROPERTIES
  LABELS "hibernate;no_sanitize"
  REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF}
  SKIP_RETURN_CODE 77
  TIMEOUT 300)

# The same hibernation on QEMU and on kjump, two processes each: identical transcripts and disks.
add_test(NAME hibernate_differential_qemu
         COMMAND ${CMAKE_SOURCE_DIR}/tests/diff/hibernate_differential.sh ${KJUMP_GUEST_KERNEL_ELF}
                 $<TARGET_FILE:kjump>)
set_tests_properties(hibernate_differential_qemu PROPERTIES
  LABELS "qemu;hibernate;no_sanitize"
  REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF}
  SKIP_RETURN_CODE 77
  TIMEOUT 900)

# The house rules (ARCHITECTURE.md): includes run down the layers only; no host file over 500
# lines without a reason at its top.
add_test(NAME house_rules COMMAND ${CMAKE_SOURCE_DIR}/scripts/check-layers.sh)

# Hibernation, first piece: B saves /proc/vmcore to the disk, and the host reads the dump as an
# ELF32 core with readelf and gdb (NT_PRSTATUS, VMCOREINFO, A's registers and globals).
# Exit status 77 (gdb or readelf missing) counts as skipped.
add_test(NAME vmcore_gdb
         COMMAND ${CMAKE_SOURCE_DIR}/tests/scenario/vmcore_gdb.sh $<TARGET_FILE:kjump> ${CMAKE_BINARY_DIR})
set_tests_properties(vmcore_gdb PROPERTIES
  REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF}
  SKIP_RETURN_CODE 77
  TIMEOUT 300)

# A guest that polls the IDE status port three million times, then exits (tests/guest/io_poll.S).
add_test(NAME guest_io_poll
         COMMAND ${CMAKE_SOURCE_DIR}/tests/guest/io_poll_check.sh $<TARGET_FILE:kjump>
                 ${CMAKE_BINARY_DIR}/tests/guest_images/io_poll.elf)
set_tests_properties(guest_io_poll PROPERTIES TIMEOUT 120)

# Determinism under load: every scenario 20 times at once, each run against its golden trace
# and the 20 traces of a scenario identical. The paging-off TLB's fill count follows host time
# (QEMU resizes its TLB from the wall clock); the guest must not.
add_test(NAME scenario_goldens_concurrent
         COMMAND ${CMAKE_SOURCE_DIR}/tests/scenario/concurrent_goldens.sh $<TARGET_FILE:kjump>
                 ${CMAKE_SOURCE_DIR}/scenarios ${CMAKE_BINARY_DIR} 20 20)
set_tests_properties(scenario_goldens_concurrent PROPERTIES
  LABELS "long;no_sanitize"
  REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF}
  TIMEOUT 1800)

# Interactive `kjump boot` (issue 10): a session on a pseudo-terminal with the Ctrl-A monitor
# escape, saved with --record / --save-scenario and replayed exactly by `kjump run`; and a real
# terminal in tmux, which must be as sane after every way out (Ctrl-A x, Ctrl-Z/fg, SIGTERM).
add_test(NAME cli_boot_save_scenario
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/cli/boot_save_scenario.py $<TARGET_FILE:kjump> ${KJUMP_GUEST_KERNEL_ELF}
                 ${CMAKE_BINARY_DIR}/tests/boot_save_scenario)
set_tests_properties(cli_boot_save_scenario PROPERTIES LABELS "cli" REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF} TIMEOUT 180)
add_test(NAME cli_boot_tmux
         COMMAND ${CMAKE_SOURCE_DIR}/tests/cli/boot_tmux.sh $<TARGET_FILE:kjump> ${KJUMP_GUEST_KERNEL_ELF}
                 ${CMAKE_BINARY_DIR}/guest/kernel/kernel.nodebug.elf ${CMAKE_BINARY_DIR}/tests/boot_tmux)
set_tests_properties(cli_boot_tmux PROPERTIES LABELS "cli;tmux" REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF}
                     SKIP_RETURN_CODE 77 TIMEOUT 180)
