#!/usr/bin/env python3
"""Writes fuzz/corpus/snapshot/repro-context-64bit-cs-hang.snap from a spin snapshot: the damage
damaged_files found, re-applied with the checksums made right again. 22 bytes of the Unicorn
context, from offset 220 (the cached CS descriptor's base/limit/flags), are overwritten with
spaces: CS.L becomes set and the i386 ran in long mode and hung the host before the restored
context was checked against the declared CPU fields (emu/context_host_bytes.h).
   craft-long-mode-context.py IN.snap OUT.snap"""
import os, struct, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from snapshot_sections import sections, fix_checksums
b = bytearray(open(sys.argv[1], 'rb').read())
secs = sections(b)
sp, sl = secs[b'STAT']
i = b.find(b'cpu.unicorn_context', sp + 24)
if i < 0: sys.exit('no cpu.unicorn_context in ' + sys.argv[1])
c0 = i + 23  # name, then a 4-byte length
b[c0 + 220:c0 + 242] = b' ' * 22
fix_checksums(b, secs)
open(sys.argv[2], 'wb').write(b)
