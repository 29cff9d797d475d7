#!/usr/bin/env bash
# Interactive `kjump boot` in a real terminal (a tmux pane running bash): the kexec guest boots,
# Ctrl-A c opens the console, `info registers` answers, `c` goes back, Ctrl-Z stops kjump with
# the terminal restored and `fg` resumes it, Ctrl-A x quits with the report; then SIGTERM ends
# a second run and Ctrl-C a third. After each, `stty -a` in the pane is what it was before kjump started.
# Needs tmux (scripts/setup.sh --test installs it); without it: skipped (77).
#   usage: boot_tmux.sh KJUMP KERNEL KERNEL_B WORKDIR
set -euo pipefail
KJUMP=$1 KERNEL=$2 KERNEL_B=$3 WORK=$4
command -v tmux >/dev/null || { echo "SKIP: no tmux (scripts/setup.sh --test installs it)"; exit 77; }
rm -rf "$WORK"; mkdir -p "$WORK"
SOCK="kjump-test-$$"
T=(tmux -L "$SOCK" -f /dev/null)
cleanup() { "${T[@]}" kill-server 2>/dev/null || true; }
trap cleanup EXIT
"${T[@]}" new-session -d -x 160 -y 50 "env -i PATH=$PATH HOME=$WORK TERM=xterm bash --norc --noprofile"
pane() { "${T[@]}" capture-pane -p -S -2000; }  # (trailing blanks trimmed: wait for "kjk#")
wait_for() {  # TEXT [SECONDS]
  local n=$(( ${2:-60} * 10 ))
  while ! pane | grep -qF -- "$1"; do
    n=$((n - 1))
    if [ $n -le 0 ]; then echo "FAIL: no '$1' in the pane:"; pane | tail -40; exit 1; fi
    sleep 0.1
  done
}
wait_file() {
  local n=600
  while [ ! -s "$1" ]; do n=$((n - 1)); [ $n -gt 0 ] || { echo "FAIL: no $1"; pane | tail -40; exit 1; }; sleep 0.1; done
}
keys() { "${T[@]}" send-keys "$@"; }

BOOT="'$KJUMP' boot '$KERNEL' --append console=ttyS0 --fw opt/kernel-b='$KERNEL_B'"
# One job (a subshell): bash must not run the rest of the line while kjump is stopped.
keys "stty -a > $WORK/before; ( $BOOT; echo \$? > $WORK/status; stty -a > $WORK/after )" Enter
wait_for "kjk#"
# While the guest runs the pane is raw (so "as it was" afterwards means it was restored).
TTY=$("${T[@]}" display-message -p '#{pane_tty}')
stty -F "$TTY" -a | grep -q -- "-icanon" || { echo "FAIL: the terminal is not raw while the guest runs"; exit 1; }
keys C-a c
wait_for "(kjump)"
keys "info registers" Enter
wait_for "eflags"
keys "c" Enter
wait_for "kjump: back to the guest"
keys "uptime" Enter
wait_for "uptime: "
keys C-z
wait_for "Stopped"
keys "stty -a > $WORK/stopped; fg" Enter
# Raw again once continued (SIGCONT), then the guest answers again.
n=600
until stty -F "$TTY" -a | grep -q -- "-icanon"; do
  n=$((n - 1)); [ $n -gt 0 ] || { echo "FAIL: not raw again after fg"; pane | tail -20; exit 1; }; sleep 0.1
done
sleep 0.2
keys "uptime" Enter
n=600
until [ "$(pane | grep -c "uptime: ")" -ge 2 ]; do
  n=$((n - 1)); [ $n -gt 0 ] || { echo "FAIL: the guest does not answer after fg"; pane | tail -20; exit 1; }; sleep 0.1
done
keys C-a x
wait_file "$WORK/status"
wait_file "$WORK/after"
grep -qx 0 "$WORK/status" || { echo "FAIL: kjump boot ended with $(cat "$WORK/status") after Ctrl-A x"; pane | tail -30; exit 1; }
pane | grep -qF "quit (Ctrl-A x)" || { echo "FAIL: no quit report"; exit 1; }
diff "$WORK/before" "$WORK/stopped" || { echo "FAIL: the terminal was not restored while kjump was stopped"; exit 1; }
diff "$WORK/before" "$WORK/after" || { echo "FAIL: the terminal is not what it was after Ctrl-A x"; exit 1; }
grep -q -- " icanon" "$WORK/after" && grep -q -- " echo " "$WORK/after" || { echo "FAIL: not a sane terminal"; exit 1; }

# SIGTERM while the guest runs: the terminal back, the report, 128+15.
keys "clear" Enter
sleep 0.3
"${T[@]}" clear-history
keys "bash -c 'echo \$\$ > $WORK/pid; exec $BOOT'; echo \$? > $WORK/status2; stty -a > $WORK/after2" Enter
wait_file "$WORK/pid"
wait_for "kjk#"
kill -TERM "$(cat "$WORK/pid")"
wait_file "$WORK/status2"
wait_file "$WORK/after2"
grep -qx 143 "$WORK/status2" || { echo "FAIL: SIGTERM gave status $(cat "$WORK/status2"), not 143"; exit 1; }
diff "$WORK/before" "$WORK/after2" || { echo "FAIL: the terminal is not what it was after SIGTERM"; exit 1; }

# Ctrl-C in the pane (SIGINT from the terminal): the same, 128+2.
keys "clear" Enter
sleep 0.3
"${T[@]}" clear-history
keys "$BOOT; echo \$? > $WORK/status3; stty -a > $WORK/after3" Enter
wait_for "kjk#"
keys C-c
wait_file "$WORK/status3"
wait_file "$WORK/after3"
grep -qx 130 "$WORK/status3" || { echo "FAIL: Ctrl-C gave status $(cat "$WORK/status3"), not 130"; exit 1; }
pane | grep -qF "interrupted by Interrupt" || { echo "FAIL: no report after Ctrl-C"; pane | tail -20; exit 1; }
diff "$WORK/before" "$WORK/after3" || { echo "FAIL: the terminal is not what it was after Ctrl-C"; exit 1; }
echo "PASS: console, Ctrl-Z/fg, Ctrl-A x, SIGTERM and Ctrl-C leave the terminal as it was"
