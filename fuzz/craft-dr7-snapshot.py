#!/usr/bin/env python3
"""Writes fuzz/corpus/snapshot/repro-context-breakpoint-pointer-segv.snap from a spin snapshot:
a snapshot whose checksums are right, whose Unicorn context enables a dr0 instruction breakpoint
with a garbage host pointer in env->cpu_breakpoint[0], and whose guest code at EIP writes DR7.
Before emu/cpu_state.cpp kept the live host pointers, restoring it and running crashed kjump
(SIGSEGV in QEMU's breakpoint removal).   craft-dr7-snapshot.py IN.snap OUT.snap"""
import os, struct, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from snapshot_sections import sections, fix_checksums
b = bytearray(open(sys.argv[1], 'rb').read())
secs = sections(b)
sp, sl = secs[b'STAT']; st = sp + 24
i = b.find(b'cpu.unicorn_context', st); clen = int.from_bytes(b[i+19:i+23], 'little'); c0 = i + 23
ctx = b[c0:c0+clen]
dr6 = ctx.find(struct.pack('<Q', 0xffff0ff0))
print('dr6 at', dr6, 'dr7', hex(int.from_bytes(ctx[dr6+8:dr6+16], 'little')))
dr0 = dr6 - 48
bp0 = dr0 + 64
print('cpu_breakpoint[0..3]:', [hex(int.from_bytes(ctx[bp0+8*k:bp0+8*k+8],'little')) for k in range(4)])
# dr7: L0 enabled, type 0 (instruction) at dr0 = 0x100000
b[c0+dr0:c0+dr0+8] = struct.pack('<Q', 0x100000)
b[c0+dr6+8:c0+dr6+16] = struct.pack('<Q', 0x401)
b[c0+bp0:c0+bp0+8] = struct.pack('<Q', 0x4141414141414141)
# eip
j = b.find(b'cpu.eip', st); eip = int.from_bytes(b[j+7+4:j+7+8], 'little'); print('eip', hex(eip))
# RAM: find the page with eip
rp, rl = secs[b'RAM ']; r = rp + 24 + 8; page = 0; target = eip // 4096
while r < rp + 24 + rl:
    kind = b[r]; cnt = int.from_bytes(b[r+1:r+5], 'little'); r += 5
    if kind == 1:
        if page <= target < page + cnt:
            off = r + (target - page) * 4096 + eip % 4096
            b[off:off+7] = bytes([0x31, 0xc0, 0x0f, 0x23, 0xf8, 0xeb, 0xfe])  # xor eax,eax; mov dr7,eax; jmp .
            print('patched code at file offset', off)
        r += cnt * 4096
    page += cnt
fix_checksums(b, secs)
open(sys.argv[2], 'wb').write(b)
