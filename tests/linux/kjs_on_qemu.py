#!/usr/bin/env python3
"""Run a kjump scenario's console dialogue on qemu-system-i386, the reference machine.

    kjs_on_qemu.py SCRIPT.kjs --set NAME=VALUE... --serial OUT [--qemu BIN] [--timeout S]

The machine comes from the script's configuration lines (memory, kernel + arguments, initrd,
append); after `boot` the script's `send`, `expect "text"`, `expect /re/ -> vars` and `echo`
lines are played against QEMU's serial console, in order, each `send` only once the `expect`
before it has matched — the pacing the scenario has on kjump. Every other command (assert,
checkpoint, snapshot, wait, ...) is kjump-only and skipped. The serial output goes to OUT
byte for byte, so a test can compare it with `kjump run SCRIPT --serial FILE`.

QEMU runs with the flags of docs/pc-devices-reference.md §9.5 (icount, fixed RTC, -no-reboot)
and `-cpu qemu32,-apic,-sep`: kjump's CPU is QEMU's qemu32 with SEP and the local APIC hidden
(emu/cpu_model.cpp), so both machines show Linux the same CPUID. Exit 0 when every expect
matched, 1 when one timed out or QEMU ended first (the output so far is in OUT).
"""
import argparse
import os
import re
import select
import shlex
import subprocess
import sys
import time


def unescape(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n == "x" and i + 3 < len(s):
                out.append(chr(int(s[i + 2:i + 4], 16)))
                i += 4
                continue
            out.append({"n": "\n", "r": "\r", "t": "\t", "0": "\0"}.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def substitute(s, env):
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env[m.group(1)], s)


def tokens(line):
    """Splits a script line: quoted strings (escapes kept for unescape), /regex/, words."""
    out, i = [], 0
    while i < len(line):
        c = line[i]
        if c.isspace():
            i += 1
        elif c == "#":
            break
        elif c == '"':
            j, buf = i + 1, []
            while j < len(line) and line[j] != '"':
                if line[j] == "\\" and j + 1 < len(line):
                    buf.append(line[j:j + 2])
                    j += 2
                else:
                    buf.append(line[j])
                    j += 1
            out.append(("str", "".join(buf)))
            i = j + 1
        elif c == "/" and out and out[-1] == ("word", "expect"):
            j, buf = i + 1, []
            while j < len(line) and line[j] != "/":
                if line[j] == "\\" and j + 1 < len(line):
                    buf.append(line[j:j + 2])
                    j += 2
                else:
                    buf.append(line[j])
                    j += 1
            out.append(("re", "".join(buf)))
            i = j + 1
        else:
            j = i
            while j < len(line) and not line[j].isspace():
                j += 1
            out.append(("word", line[i:j]))
            i = j
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("script")
    ap.add_argument("--set", action="append", default=[])
    ap.add_argument("--serial", required=True)
    ap.add_argument("--qemu", default=os.environ.get("QEMU", "qemu-system-i386"))
    ap.add_argument("--timeout", type=float, default=300.0, help="wall seconds per expect")
    a = ap.parse_args()
    env = dict(kv.split("=", 1) for kv in a.set)
    base = os.path.dirname(os.path.abspath(a.script))
    cli_vars = set(env)
    env.setdefault("SCRIPT_DIR", os.path.dirname(a.script) or ".")  # as the command line named it

    def path(tok):
        # As kjump resolves a file name (scenario/checker.cpp, resolve_script_path): relative to
        # the current directory when it starts with a --set variable (or SCRIPT_DIR), else to
        # the script's directory.
        p = substitute(tok[1], env)
        if os.path.isabs(p):
            return p
        m = re.match(r"\$\{(\w+)\}", tok[1])
        if m and (m.group(1) in cli_vars or m.group(1) == "SCRIPT_DIR"):
            return os.path.abspath(p)
        return os.path.join(base, p)

    mem, kernel, initrd, append, steps, booted = "128M", None, None, "", [], False
    for raw in open(a.script, encoding="utf-8"):
        t = tokens(raw.rstrip("\n"))
        if not t:
            continue
        cmd = t[0][1]
        val = lambda tok: substitute(tok[1], env)
        if not booted:
            if cmd == "memory":
                mem = val(t[1])
            elif cmd == "kernel":
                kernel = path(t[1])
                if len(t) > 2:
                    append = " ".join(val(x) for x in t[2:])
            elif cmd in ("initrd", "module"):
                initrd = path(t[1])
            elif cmd == "append":
                append = " ".join(val(x) for x in t[1:])
            elif cmd == "boot":
                booted = True
            continue
        if cmd in ("send", "expect", "echo"):
            steps.append(t)
    if not kernel or not booted:
        sys.exit("kjs_on_qemu: %s has no kernel or no boot" % a.script)

    argv = [a.qemu, "-machine", "pc", "-cpu", "qemu32,-apic,-sep", "-m", mem.rstrip("iB"), "-kernel", kernel,
            "-append", append, "-display", "none", "-serial", "stdio", "-monitor", "none", "-net", "none",
            "-no-reboot", "-icount", "shift=0,sleep=off", "-rtc", "base=2020-01-01T00:00:00,clock=vm"]
    if initrd:
        argv += ["-initrd", initrd]
    q = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = open(a.serial, "wb")
    seen = b""      # all output
    cursor = 0      # where the next expect scans from (after the previous match)
    status = 0

    def pump(deadline):
        nonlocal seen
        r, _, _ = select.select([q.stdout], [], [], max(0.0, min(0.2, deadline - time.time())))
        if r:
            chunk = os.read(q.stdout.fileno(), 65536)
            if not chunk:
                return False
            seen += chunk
            out.write(chunk)
            out.flush()
        return True

    for t in steps:
        cmd = t[0][1]
        if cmd == "send":
            q.stdin.write(unescape(substitute(t[1][1], env)).encode("latin-1"))
            q.stdin.flush()
        elif cmd == "echo":
            print(substitute(t[1][1], env), file=sys.stderr)
        elif cmd == "expect":
            kind, pat = t[1]
            pat = substitute(pat, env)
            rx = re.compile(re.escape(unescape(pat)) if kind == "str" else pat)
            names = [x[1] for x in t[t.index(("word", "->")) + 1:]] if ("word", "->") in t else []
            deadline = time.time() + a.timeout
            quiet_since = None
            while True:
                text = seen[cursor:].decode("latin-1")
                m = rx.search(text)
                # As kjump does (scenario/serial_pattern.h, settled()): a regex match that ends at
                # the end of the output may still grow (`\d+` seeing "2" of "23"), so it is taken
                # once a byte follows it or the output has stayed quiet for a second.
                if m and kind != "str" and m.end() == len(text):
                    if quiet_since is None:
                        quiet_since = (len(seen), time.time())
                    elif quiet_since[0] != len(seen):
                        quiet_since = (len(seen), time.time())
                    if time.time() - quiet_since[1] < 1.0:
                        if pump(deadline):
                            continue
                if m:
                    cursor += m.end()
                    for i, n in enumerate(names):
                        env[n] = m.group(i + 1) or ""
                    break
                timed_out = time.time() > deadline
                if timed_out or not pump(deadline):
                    if timed_out:
                        print("kjs_on_qemu: %s: no match for %s within %gs" % (a.script, shlex.quote(pat), a.timeout),
                              file=sys.stderr)
                    else:  # QEMU closed its output: it exited (a bad file name, an option it refused)
                        q.wait()
                        why = q.stderr.read().decode("latin-1", "replace").strip().splitlines()
                        print("kjs_on_qemu: %s: QEMU exited (status %s) before %s matched%s"
                              % (a.script, q.returncode, shlex.quote(pat), (": " + why[-1]) if why else ""),
                              file=sys.stderr)
                    status = 1
                    break
            if status:
                break
    # Let QEMU flush what follows the last match, then stop it.
    end = time.time() + 1.0
    while time.time() < end and pump(end):
        pass
    q.kill()
    q.wait()
    out.close()
    sys.exit(status)


if __name__ == "__main__":
    main()
