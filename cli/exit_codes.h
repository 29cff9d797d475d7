// kjump's exit statuses. isa-debug-exit only ever produces odd statuses ((v << 1) | 1), so
// kjump's own outcomes are even and can never be confused with the guest's.
#pragma once

namespace kjump::exit_code {
inline constexpr int kOk = 0;
inline constexpr int kExpectationFailed = 1;  // kjump run: an expectation did not hold
inline constexpr int kImageInvalid = 1;       // kjump image, kjump disk info: a check failed
inline constexpr int kBadInput = 2;           // bad command line, file, script
inline constexpr int kTripleFault = 64;       // guest triple fault (report on stderr)
inline constexpr int kBudgetExhausted = 66;   // --max-insns reached (report on stderr)
inline constexpr int kGuestHung = 68;         // halted forever, or idle with no input left
inline constexpr int kEngineError = 70;       // the CPU engine refused to continue
}  // namespace kjump::exit_code
