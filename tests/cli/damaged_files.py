#!/usr/bin/env python3
"""Damaged files through the real CLI (ctest `damaged_files`).

For each kind of file kjump reads — snapshot, input log, trace, scenario script, kernel
(ELF/Multiboot), hibernation image, disk image — take a real one, made here by a real run or
by the real tools, make many damaged copies (bit flips, byte runs, truncations, appended
tails, lines dropped or doubled; deterministic seeds), and hand each copy to every command
that reads that kind. Each run must end with

  - a status that command documents: accepted (the copy was valid, or the damage is in bytes
    the reader does not need), or refused with exactly one line on stderr naming the copy;
  - never a signal, never a hang (a time limit per run), never sanitizer or C++ runtime
    output (AddressSanitizer, runtime error:, terminate called, std::bad_alloc ...).

Prints the figures per kind and command: copies, refused, accepted.

  damaged_files.py KJUMP BUILD_DIR [--copies N] [--seed S] [--keep DIR]
"""
import argparse
import ctypes
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# What a healthy kjump never prints, whatever it is given.
FORBIDDEN = ('AddressSanitizer', 'LeakSanitizer', 'UndefinedBehaviorSanitizer', 'runtime error:',
             'terminate called', 'std::bad_alloc', 'what():', 'Segmentation fault', 'core dumped')
TIMEOUT = float(os.environ.get('KJUMP_DAMAGED_TIMEOUT', '120'))


def damage(data, rng, how, text):
    """One damaged copy of `data` (bytes) by method `how`."""
    b = bytearray(data)
    n = len(b)
    # Half the byte-level damage lands in the first 4 KiB: headers, tables, the first lines,
    # where readers decide the most; the rest anywhere.
    def pos():
        return rng.randrange(min(n, 4096)) if rng.random() < 0.5 else rng.randrange(n)
    if how == 'flip':
        for _ in range(rng.randint(1, 8)):
            p = pos()
            b[p] ^= 1 << rng.randrange(8)
    elif how == 'run':
        p = pos()
        k = rng.randint(1, 64)
        v = rng.choice([0x00, 0xFF, 0x20, 0x0A, rng.randrange(256)])
        b[p:p + k] = bytes([v]) * len(b[p:p + k])
    elif how == 'truncate':
        del b[rng.randrange(n):]
    elif how == 'tail':
        tails = [bytes(rng.randint(1, 4096)),                                      # zeros
                 bytes(rng.randrange(256) for _ in range(rng.randint(1, 512))),     # noise
                 data[:rng.randint(1, min(n, 4096))]]                              # its own start again
        b += tails[rng.randrange(len(tails))]
    elif how == 'lines':
        lines = bytes(b).split(b'\n')
        i = rng.randrange(len(lines))
        if rng.random() < 0.5 and len(lines) > 1:
            del lines[i]
        else:
            lines.insert(i, lines[i])
        b = bytearray(b'\n'.join(lines))
    return bytes(b)


def resealed_snapshot(b):
    """A damaged snapshot with every section's XXH3-64 made right again (replay/snapshot_file.cpp
    has the layout), so the damage reaches the sections' decoders and the state checks: the
    class of a file whose checksums are right and whose contents are not."""
    lib = ctypes.CDLL('libxxhash.so.0')
    lib.XXH3_64bits.restype = ctypes.c_uint64
    lib.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    b = bytearray(b)
    pos = 16
    while pos + 24 <= len(b):
        length = int.from_bytes(b[pos + 8:pos + 16], 'little')
        if length > len(b) - pos - 24:
            break
        payload = bytes(b[pos + 24:pos + 24 + length])
        b[pos + 16:pos + 24] = lib.XXH3_64bits(payload, length).to_bytes(8, 'little')
        pos += 24 + length
    return bytes(b)


def methods(text):
    return ['flip', 'run', 'truncate', 'tail'] + (['lines'] if text else [])


class Kind:
    def __init__(self, name, original, text, commands, after=None):
        self.name, self.original, self.text, self.commands = name, original, text, commands
        self.after = after  # applied to each damaged copy (resealed_snapshot)


def run_checked(cmd, copy, refuse_codes, report_codes, accept_codes, cwd, stats, problems, label, names=()):
    try:
        p = subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        problems.append(f'{label}: {os.path.basename(copy)}: no end within {TIMEOUT:.0f} s (a hang)')
        return
    err = p.stderr.decode(errors='replace')
    out = p.stdout.decode(errors='replace')
    where = f'{label}: {os.path.basename(copy)}: exit {p.returncode}'
    if p.returncode < 0:
        problems.append(f'{where}: killed by signal {-p.returncode}: {err.strip()[-500:]}')
        return
    bad = [w for w in FORBIDDEN if w in err or w in out]
    if bad:
        problems.append(f'{where}: {bad[0]!r} in the output: {err.strip()[-800:]}')
        return
    # Lines end at '\n' only: a message may quote other bytes of the file (escaped or not).
    lines = [l for l in err.split('\n') if l.strip()]
    if p.returncode in refuse_codes:
        # A run may name the script line that uses the copy instead ("restore.kjs:7:1: error:
        # state field ...": `snapshot restore` of a snapshot whose layout is not this machine's).
        if len(lines) != 1 or not any(n in lines[0] for n in (copy, *names)):
            problems.append(f'{where}: a refusal must be one line naming {copy}, got {len(lines)}: {err.strip()[:600]!r}')
            return
        stats['refused'] += 1
    elif p.returncode in report_codes:
        # A check that failed (kjump disk info, image verify/info: status 1): a report that
        # names the file, on stdout or in at most one line on stderr.
        if len(lines) > 1 or (copy not in out and copy not in err):
            problems.append(f'{where}: a failed check must name {copy} (stderr: {len(lines)} lines): '
                            f'{(err or out).strip()[:600]!r}')
            return
        stats['refused'] += 1
    elif p.returncode in accept_codes:
        stats['accepted'] += 1
    else:
        problems.append(f'{where}: not a status this command documents: {err.strip()[-600:]}')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('kjump')
    ap.add_argument('build')
    ap.add_argument('--copies', type=int, default=int(os.environ.get('KJUMP_DAMAGED_COPIES', '40')))
    ap.add_argument('--seed', type=int, default=11)
    ap.add_argument('--keep', help='keep the work directory here (to look at a failure)')
    a = ap.parse_args()
    kjump, build = os.path.abspath(a.kjump), os.path.abspath(a.build)
    work = a.keep or tempfile.mkdtemp(prefix='kjump-damaged-')
    os.makedirs(work, exist_ok=True)
    try:
        return run_all(a, kjump, build, work)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


def must(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, **kw)
    if p.returncode != 0:
        sys.exit(f'damaged_files: setting up: {" ".join(cmd)}: exit {p.returncode}\n{p.stderr.decode()}')
    return p


def run_all(a, kjump, build, work):
    spin = os.path.join(HERE, 'damaged', 'spin.kjs')
    restore = os.path.join(HERE, 'damaged', 'restore.kjs')
    orig = os.path.join(work, 'orig')
    os.makedirs(orig)
    sets = ['--set', f'BUILD={build}']
    # The real files: a run's snapshot, trace and input log; the script; a kernel; a disk with
    # a partition table; a disk with a hibernation image on partition 1.
    must([kjump, 'run', spin, *sets, '--set', f'OUT={orig}', '--quiet', '--trace', f'{orig}/spin.trace',
          '--record', f'{orig}/spin.log'])
    shutil.copy(spin, f'{orig}/spin.kjs')
    kernel = os.path.join(build, 'tests', 'guest_images', 'spin.elf')
    shutil.copy(kernel, f'{orig}/kernel.elf')
    shutil.copy(os.path.join(build, 'guest', 'kernel', 'kernel.nodebug.elf'), f'{orig}/guest.elf')
    must([kjump, 'disk', 'create', f'{orig}/disk.img', '--size', '3M', '--partition', '1M:82', '--partition', 'rest'])
    must([kjump, 'disk', 'create', f'{orig}/hib.img', '--size', '4M', '--partition', '3M:82'])
    must([sys.executable, os.path.join(HERE, 'hib_image.py'), 'write', f'{orig}/hib.img', '--partition', '1',
          '--synthetic'])
    must([kjump, 'image', 'verify', f'{orig}/hib.img', '--partition', '1'])

    def run_cmd(copy, d):
        return [kjump, 'run', spin, *sets, '--set', f'OUT={d}', '--quiet']

    # (label, command for a copy in folder d, refusal statuses (one line on stderr naming the
    # copy), failed-check statuses (a report naming the copy), accepted statuses)
    guest_outcomes = {0, 1, 64, 66, 68, 70} | set(range(3, 256, 2))
    kinds = [
        Kind('snapshot', f'{orig}/spin.snap', False, [
            ('snapshot diff', lambda c, d: [kjump, 'snapshot', 'diff', f'{orig}/spin.snap', c], {2}, set(), {0, 1}),
            ('run: snapshot read+restore',
             lambda c, d: [kjump, 'run', restore, *sets, '--set', f'SNAP={c}', '--quiet'], {2}, set(),
             {0, 1, 64, 66, 68, 70}),
        ]),
        Kind('snapshot, sums right', f'{orig}/spin.snap', False, [
            ('snapshot diff', lambda c, d: [kjump, 'snapshot', 'diff', f'{orig}/spin.snap', c], {2}, set(), {0, 1}),
            ('run: snapshot read+restore',
             lambda c, d: [kjump, 'run', restore, *sets, '--set', f'SNAP={c}', '--quiet'], {2}, set(),
             {0, 1, 64, 66, 68, 70}),
        ], after=resealed_snapshot),
        Kind('input log', f'{orig}/spin.log', True, [
            ('run --replay', lambda c, d: run_cmd(c, d) + ['--replay', c], {2}, set(), {0, 1}),
        ]),
        Kind('trace', f'{orig}/spin.trace', True, [
            ('run --check', lambda c, d: run_cmd(c, d) + ['--check', c], {2}, set(), {0, 1}),
        ]),
        Kind('scenario script', f'{orig}/spin.kjs', True, [
            ('run', lambda c, d: [kjump, 'run', c, *sets, '--set', f'OUT={d}', '--quiet'], {2}, set(),
             {0, 1, 64, 66, 68, 70}),
        ]),
        Kind('test kernel', f'{orig}/kernel.elf', False, [
            ('boot --max-insns', lambda c, d: [kjump, 'boot', c, '--mem', '8M', '--max-insns', '200000'], {2}, set(),
             guest_outcomes),
        ]),
        Kind('guest kernel', f'{orig}/guest.elf', False, [
            ('boot --max-insns', lambda c, d: [kjump, 'boot', c, '--mem', '16M', '--max-insns', '200000',
                                              '--append', 'console=ttyS0'], {2}, set(), guest_outcomes),
        ]),
        Kind('hibernation image', f'{orig}/hib.img', False, [
            ('image verify', lambda c, d: [kjump, 'image', 'verify', c, '--partition', '1'], {2}, {1}, {0}),
            ('image info', lambda c, d: [kjump, 'image', 'info', c, '--partition', '1'], {2}, {1}, {0}),
        ]),
        Kind('disk image', f'{orig}/disk.img', False, [
            ('disk info', lambda c, d: [kjump, 'disk', 'info', c], {2}, {1}, {0}),
        ]),
    ]
    problems = []
    figures = []
    for k_index, kind in enumerate(kinds):
        data = open(kind.original, 'rb').read()
        ext = os.path.splitext(kind.original)[1]
        stats = {label: {'refused': 0, 'accepted': 0} for label, *_ in kind.commands}
        for i in range(a.copies):
            rng = random.Random(a.seed * 1000003 + k_index * 10007 + i)
            how = methods(kind.text)[i % len(methods(kind.text))]
            d = os.path.join(work, kind.name.replace(' ', '-'), f'{i:03d}')
            os.makedirs(d)
            copy = os.path.join(d, f'{how}{ext}')
            damaged = damage(data, rng, how, kind.text)
            with open(copy, 'wb') as f:
                f.write(kind.after(damaged) if kind.after else damaged)
            for label, make, refuse, report, accept in kind.commands:
                run_checked(make(copy, d), copy, refuse, report, accept, d, stats[label], problems,
                            f'{kind.name} / {label}', names=(restore + ':',) if 'restore' in label else ())
        for label, s in stats.items():
            figures.append(f'  {kind.name:20} {label:27} {a.copies:4} copies: {s["refused"]:4} refused, '
                           f'{s["accepted"]:4} accepted')
    print(f'damaged_files: {a.copies} damaged copies per kind (seed {a.seed}), each through every reader:')
    print('\n'.join(figures))
    for p in problems:
        print('FAIL:', p)
    if problems:
        print(f'{len(problems)} failures')
        return 1
    print('no crash, no hang, every refusal one line naming the file')
    return 0


if __name__ == '__main__':
    sys.exit(main())
