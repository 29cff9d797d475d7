# The run report (report/): the kexec ping-pong's and the hibernation scenario's pages loaded
# by headless Chromium (DOM self-check, console, screenshot) and their Trace Event files
# checked (tests/report/report_test.sh); about 30 s. Chromium is not run in the sanitizer pass.
add_test(NAME report_pages_chromium
         COMMAND ${CMAKE_SOURCE_DIR}/tests/report/report_test.sh $<TARGET_FILE:kjump> ${CMAKE_BINARY_DIR}
                 ${CMAKE_BINARY_DIR}/tests/report-out)
set_tests_properties(report_pages_chromium PROPERTIES LABELS "chromium;no_sanitize"
                     REQUIRED_FILES ${KJUMP_GUEST_KERNEL_ELF} TIMEOUT 600)
# The checker refuses what the format forbids (it could not fail otherwise).
add_test(NAME report_trace_events_checker
         COMMAND ${CMAKE_SOURCE_DIR}/tests/report/checker_test.sh ${CMAKE_SOURCE_DIR}/tests/report/check_trace_events.py)
set_tests_properties(report_trace_events_checker PROPERTIES LABELS "report" TIMEOUT 60)
