#!/usr/bin/env python3
"""A second, independent writer of the hibernation image format v1 (abi/hibernate_image.h), in
Python with zlib's CRC-32, for the CLI tests: what it writes, `kjump image` must accept, and
the one field it breaks must be the one `kjump image` names. Also computes a kernel's build id
the way the format defines it (CRC-32 of .text, then of .rodata, little-endian), from the ELF
section headers, without sharing a line of code with the C++ side.

  hib_image.py write DISK [--partition N] (--core CORE.elf | --synthetic) [--kernel K.elf]
               [--entry ADDR] [--corrupt FIELD]
  hib_image.py build-id KERNEL.elf
  hib_image.py fuzz-seeds DIR          (the checked-in seed corpus of fuzz/corpus/)
"""
import argparse
import os
import struct
import sys
import zlib

SECTOR, PAGE, MAX_RANGE_PAGES = 512, 4096, 256
HEADER_FMT = '<8sIIII8sIIIIIIIIIIIIII'  # abi/hibernate_image.h ImageHeader, 0x58 bytes
assert struct.calcsize(HEADER_FMT) == 0x58
FIELDS = ['magic', 'version', 'header_size', 'flags', 'page_size', 'build_id', 'jump_back_entry',
          'range_count', 'page_count', 'table_sector', 'table_crc', 'notes_sector', 'notes_size',
          'notes_crc', 'data_sector', 'total_sectors', 'dump_pages', 'free_pages_excluded',
          'zero_pages_excluded', 'header_crc']


def crc(b):
    return zlib.crc32(b) & 0xFFFFFFFF


def sectors(n):
    return (n + SECTOR - 1) // SECTOR


def note(name, ntype, desc):
    n = name.encode() + b'\0'
    pad = lambda b: b + bytes(-len(b) % 4)
    return struct.pack('<III', len(n), len(desc), ntype) + pad(n) + pad(desc)


def synthetic_notes(page_offset=0xC0000000):
    prstatus = bytearray(144)
    struct.pack_into('<I', prstatus, 72 + 4 * 12, 0xC0101234)  # pr_reg[EIP]
    return (note('CORE', 1, bytes(prstatus)) +
            note('VMCOREINFO', 0, b'OSRELEASE=kjump-guest\nPAGESIZE=4096\n') +
            note('KJUMP', 0x4B4A0001, struct.pack('<III', 0x100000, 0x400000, page_offset)))


RANGE_ZERO = 1  # ImageRange flags: pages of zeroes, no data


def image(pages, notes, build_id, entry=None, dump_pages=None, free_excluded=0):
    """pages: {paddr: 4096 bytes}. Ranges: runs of contiguous pages of one kind (all-zero pages
    become kRangeZero ranges without data, as the guest's makedumpfile -d 17 writes them), at
    most 256 pages each."""
    ranges = []  # [paddr, zero, [page bytes...]]
    for paddr in sorted(pages):
        zero = pages[paddr].count(0) == PAGE
        last = ranges[-1] if ranges else None
        if last and last[1] == zero and last[0] + PAGE * len(last[2]) == paddr and len(last[2]) < MAX_RANGE_PAGES:
            last[2].append(pages[paddr])
        else:
            ranges.append([paddr, zero, [pages[paddr]]])
    table = b''.join(struct.pack('<IIII', p, len(d), 0 if z else crc(b''.join(d)), RANGE_ZERO if z else 0)
                     for p, z, d in ranges)
    data = b''.join(b''.join(d) for _, z, d in ranges if not z)
    zero_pages = sum(len(d) for _, z, d in ranges if z)
    h = dict(magic=b'KJHIBERN', version=1, header_size=0x58, flags=0, page_size=PAGE, build_id=build_id,
             jump_back_entry=entry if entry is not None else ranges[0][0] + 0x10,
             range_count=len(ranges), page_count=len(data) // PAGE, table_sector=1, table_crc=crc(table))
    h['notes_sector'] = 1 + sectors(len(table))
    h.update(notes_size=len(notes), notes_crc=crc(notes))
    h['data_sector'] = h['notes_sector'] + sectors(len(notes))
    h['total_sectors'] = h['data_sector'] + len(data) // SECTOR
    h.update(dump_pages=dump_pages if dump_pages is not None else len(pages),
             free_pages_excluded=free_excluded, zero_pages_excluded=zero_pages, header_crc=0)
    return h, table, notes, data


def header_bytes(h):
    hb = struct.pack(HEADER_FMT, *[h[f] for f in FIELDS])
    return hb


def seal(h):
    h['header_crc'] = 0
    h['header_crc'] = crc(header_bytes(h))
    return header_bytes(h).ljust(SECTOR, b'\0')


def layout(h, table, notes, data):
    out = bytearray(h['total_sectors'] * SECTOR)
    out[0:SECTOR] = seal(h)
    t, n, d = h['table_sector'] * SECTOR, h['notes_sector'] * SECTOR, h['data_sector'] * SECTOR
    out[t:t + len(table)] = table
    out[n:n + len(notes)] = notes
    out[d:d + len(data)] = data
    return out


def parse_core(b):
    """An ELF32 core: (notes, {paddr: page} for every page, pages in all)."""
    assert b[:4] == b'\x7fELF' and b[4] == 1, 'not an ELF32 file'
    phoff, = struct.unpack_from('<I', b, 28)
    phnum, = struct.unpack_from('<H', b, 44)
    notes, pages = b'', {}
    for i in range(phnum):
        p_type, off, vaddr, paddr, filesz, memsz, flags, align = struct.unpack_from('<8I', b, phoff + 32 * i)
        if p_type == 4:
            notes += b[off:off + filesz]
        elif p_type == 1:
            # Whole pages only, as the guest's writer: a part page at the end of a RAM range
            # (below the EBDA) was never A's to use.
            for k in range(0, filesz - PAGE + 1, PAGE):
                pages[paddr + k] = b[off + k:off + k + PAGE]
    return notes, pages


def sections(path):
    b = open(path, 'rb').read()
    shoff, = struct.unpack_from('<I', b, 32)
    shnum, shstrndx = struct.unpack_from('<HH', b, 48)
    sh = lambda i: struct.unpack_from('<10I', b, shoff + 40 * i)
    names_off, names_size = sh(shstrndx)[4], sh(shstrndx)[5]
    out = {}
    for i in range(shnum):
        name, _, _, _, off, size = sh(i)[:6]
        s = b[names_off + name:b.index(b'\0', names_off + name)].decode()
        out[s] = b[off:off + size]
    return out


def build_id(path):
    s = sections(path)
    return struct.pack('<II', crc(s['.text']), crc(s['.rodata']))


def partition_offset(disk, n):
    if n == 0:
        return 0, os.path.getsize(disk)
    with open(disk, 'rb') as f:
        mbr = f.read(512)
    assert mbr[510:512] == b'\x55\xaa', 'no MBR'
    status, typ, lba, count = struct.unpack_from('<B3xB3xII', mbr, 0x1BE + 16 * (n - 1))
    return lba * SECTOR, count * SECTOR


def corrupt(img, h, what):
    """Break one thing; everything else stays consistent (CRCs resealed where they must be)."""
    if what == 'magic':
        img[0:8] = b'KJHIBERX'
    elif what == 'version':
        h['version'] = 2
        img[0:SECTOR] = seal(h)
    elif what == 'header_crc':
        img[0x50] ^= 1  # zero_pages_excluded: only the CRC covers it
    elif what == 'table_crc':
        img[h['table_sector'] * SECTOR + 12] ^= 1  # range 0's flags word
    elif what == 'notes_crc':
        img[h['notes_sector'] * SECTOR + 30] ^= 1
    elif what == 'data_crc':
        last = h['data_sector'] * SECTOR + h['page_count'] * PAGE - 1
        img[last] ^= 0x40
    elif what == 'entry':
        h['jump_back_entry'] = 0xFFFFFFF0
        img[0:SECTOR] = seal(h)
    else:
        sys.exit('unknown --corrupt ' + what)


def write(args):
    if args.core:
        notes, pages = parse_core(open(args.core, 'rb').read())
    else:
        notes = synthetic_notes()
        # The page at P holds the byte ((P >> 12) + 1) & 0xff (never 0 here); then 16 zero pages.
        pages = {p: bytes([((p >> 12) + 1) & 0xFF]) * PAGE for p in
                 list(range(0x0, 0x9f000, PAGE)) + list(range(0x400000, 0x480000, PAGE))}
        pages.update({p: bytes(PAGE) for p in range(0x480000, 0x490000, PAGE)})
    bid = build_id(args.kernel) if args.kernel else bytes(range(1, 9))
    h, table, notes, data = image(pages, notes, bid, entry=args.entry, dump_pages=len(pages) + 7, free_excluded=7)
    img = layout(h, table, notes, data)
    if args.corrupt:
        corrupt(img, h, args.corrupt)
    off, size = partition_offset(args.disk, args.partition)
    assert len(img) <= size, 'the image (%d bytes) does not fit the partition (%d bytes)' % (len(img), size)
    with open(args.disk, 'r+b') as f:
        f.seek(off)
        f.write(img)
    print('wrote %d bytes (%d ranges, %d pages) at offset %d of %s' % (len(img), h['range_count'],
                                                                       h['page_count'], off, args.disk))


def fuzz_seeds(out):
    """Small valid inputs for the fuzz targets: whole disks (an MBR and an image in partition 1,
    an image on the whole disk, an empty partition) and bare MBRs."""
    os.makedirs(out + '/image', exist_ok=True)
    os.makedirs(out + '/mbr', exist_ok=True)
    pages = {0x1000: bytes([1]) * PAGE, 0x2000: bytes([2]) * PAGE, 0x3000: bytes(PAGE), 0x9000: bytes([9]) * PAGE}
    whole = layout(*image(pages, synthetic_notes(), bytes(range(1, 9))))
    open(out + '/image/whole-disk.bin', 'wb').write(whole)
    mbr = bytearray(512)
    # partition 1 at LBA 1 (the seeds are small; `kjump disk create` would start at 2048)
    struct.pack_into('<B3xB3xII', mbr, 0x1BE, 0, 0x82, 1, len(whole) // SECTOR)
    struct.pack_into('<B3xB3xII', mbr, 0x1CE, 0x80, 0x83, 1 + len(whole) // SECTOR, 8)
    mbr[510:512] = b'\x55\xaa'
    open(out + '/image/mbr-partition1.bin', 'wb').write(bytes(mbr) + whole + bytes(8 * SECTOR))
    open(out + '/image/empty-partition.bin', 'wb').write(bytes(mbr) + bytes(len(whole) + 8 * SECTOR))
    open(out + '/mbr/two-partitions.bin', 'wb').write(bytes(mbr) + bytes(len(whole) + 8 * SECTOR))
    open(out + '/mbr/no-signature.bin', 'wb').write(bytes(1024))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='cmd', required=True)
    w = sub.add_parser('write')
    w.add_argument('disk')
    w.add_argument('--partition', type=int, default=1)
    w.add_argument('--core')
    w.add_argument('--synthetic', action='store_true')
    w.add_argument('--kernel')
    w.add_argument('--entry', type=lambda s: int(s, 0))
    w.add_argument('--corrupt')
    b = sub.add_parser('build-id')
    b.add_argument('kernel')
    s = sub.add_parser('fuzz-seeds')
    s.add_argument('dir')
    args = ap.parse_args()
    if args.cmd == 'write':
        write(args)
    elif args.cmd == 'build-id':
        print(build_id(args.kernel).hex())
    else:
        fuzz_seeds(args.dir)


if __name__ == '__main__':
    main()
