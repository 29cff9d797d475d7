#!/usr/bin/env python3
"""`kjump boot --record --save-scenario` on a terminal, then `kjump run` of the saved script.

kjump boot gets a pseudo-terminal as stdin (so it runs interactively, in raw mode, with the
Ctrl-A monitor escape) and pipes for stdout/stderr. The test types shell commands when the
guest's prompt appears (so the inputs land at instants only this run knows), opens the console
with Ctrl-A c, steps the guest and looks at it, goes back, sends a literal Ctrl-A with Ctrl-A
Ctrl-A, and quits with Ctrl-A x. Then:
  - the saved scenario passes under `kjump run` (its last lines check EIP and the output tail);
  - its input log (`kjump run --record`) equals the session's (--record): the same bytes at
    the same virtual instants;
  - the guest's serial output (`kjump run --serial`) equals what kjump boot wrote on stdout;
  - from a pipe, the console takes the lines typed after Ctrl-A c and the guest the rest.
usage: boot_save_scenario.py KJUMP KERNEL WORKDIR
"""
import os
import pty
import select
import subprocess
import sys
import time

kjump, kernel, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
rec, kjs = os.path.join(work, "session.log"), os.path.join(work, "session.kjs")

master, slave = pty.openpty()
env = dict(os.environ, TERM=os.environ.get("TERM", "xterm"))
boot = subprocess.Popen([kjump, "boot", kernel, "--append", "console=ttyS0", "--record", rec, "--save-scenario", kjs],
                        stdin=slave, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True)
os.close(slave)
out, err = b"", b""


def pump(until, what, timeout=60):
    """Reads stdout/stderr until until() holds."""
    global out, err
    end = time.time() + timeout
    while not until():
        if time.time() > end or boot.poll() is not None:
            sys.exit(f"FAIL: waiting for {what}\n--- stdout\n{out.decode(errors='replace')}\n--- stderr\n"
                     f"{err.decode(errors='replace')}")
        r, _, _ = select.select([boot.stdout, boot.stderr], [], [], 0.2)
        for f in r:
            data = os.read(f.fileno(), 65536)
            if f is boot.stdout:
                out += data
            else:
                err += data


def prompts():
    return out.count(b"kjk# ")


pump(lambda: prompts() >= 1, "the first prompt")
os.write(master, b"echo typed by hand\r")
pump(lambda: prompts() >= 2, "the prompt after echo")
os.write(master, b"\x01c")
# (libedit prints its prompt only when its output is a terminal: here stderr is a pipe.)
pump(lambda: b"kjump: the console (" in err, "the console")
os.write(master, b"info registers\r")
pump(lambda: b"eflags" in err.lower(), "info registers")
os.write(master, b"si 3\r")
pump(lambda: b" t=" in err.split(b"eflags", 1)[-1], "si 3 saying where it stopped")
os.write(master, b"c\r")
pump(lambda: b"kjump: back to the guest" in err, "the way back")
os.write(master, b"meminfo\r")
pump(lambda: prompts() >= 3, "the prompt after meminfo")
os.write(master, b"\x01\x01\r")  # a literal Ctrl-A, then Enter
pump(lambda: prompts() >= 4, "the prompt after Ctrl-A Ctrl-A")
time.sleep(0.2)
os.write(master, b"\x01x")
rest_out, rest_err = boot.communicate(timeout=60)
out, err = out + rest_out, err + rest_err
os.close(master)
if boot.returncode != 0:
    sys.exit(f"FAIL: kjump boot exited {boot.returncode}\n{err.decode(errors='replace')}")
if b"quit (Ctrl-A x)" not in err:
    sys.exit(f"FAIL: no quit line on stderr\n{err.decode(errors='replace')}")

with open(rec) as f:
    log = f.read()
if " serial 01" not in log and " serial 010d" not in log:
    sys.exit(f"FAIL: the literal Ctrl-A is not in the input log:\n{log}")

run_rec, run_serial = os.path.join(work, "replayed.log"), os.path.join(work, "replayed.serial")
r = subprocess.run([kjump, "run", kjs, "--quiet", "--record", run_rec, "--serial", run_serial],
                   capture_output=True, text=True)
if r.returncode != 0:
    sys.exit(f"FAIL: kjump run {kjs} exited {r.returncode}\n{r.stdout}{r.stderr}\n--- script\n{open(kjs).read()}")
with open(run_rec) as f:
    replayed = f.read()
if replayed != log:
    sys.exit(f"FAIL: the replay's input log differs\n--- session\n{log}\n--- replay\n{replayed}")
with open(run_serial, "rb") as f:
    serial = f.read()
if serial != out:
    sys.exit(f"FAIL: the replay's serial output differs ({len(serial)} bytes against {len(out)})")

# The same from a pipe (with --record, stdin is read as it comes and the escape decoded): the
# lines after Ctrl-A c in the same read are the console's, what follows its `c` the guest's.
piped_log = os.path.join(work, "piped.log")
p = subprocess.run([kjump, "boot", kernel, "--append", "console=ttyS0", "--record", piped_log],
                   input=b"uptime\n\x01cinfo cr\nc\nmeminfo\n\x01x", capture_output=True, timeout=60)
if p.returncode != 0 or b"cr0   0x" not in p.stderr or b"quit (Ctrl-A x)" not in p.stderr:
    sys.exit(f"FAIL: piped session (exit {p.returncode})\n{p.stderr.decode(errors='replace')}")
with open(piped_log) as f:
    sent = [line.split()[2] for line in f if " serial " in line]
if [bytes.fromhex(x) for x in sent] != [b"uptime\n", b"meminfo\n"]:
    sys.exit(f"FAIL: piped session sent {sent}, not uptime then meminfo")
print(f"PASS: {log.count(' serial ')} inputs replayed at their instants, {len(out)} bytes of output identical; "
      "the piped console took its lines")
