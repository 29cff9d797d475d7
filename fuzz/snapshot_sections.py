"""The section layout of a kjump snapshot file (replay/snapshot_file.cpp), for the scripts that
craft reproducers from a real snapshot: a 16-byte header, then sections of a 24-byte head
(tag, reserved, length, XXH3-64 checksum of the payload) and the payload."""
import ctypes, struct

_xxh = ctypes.CDLL('libxxhash.so.0')
_xxh.XXH3_64bits.restype = ctypes.c_uint64
_xxh.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]


def sections(b):
    """{tag: (offset of the section head, payload length)}"""
    secs, pos = {}, 16
    while pos + 24 <= len(b):
        tag, _, length, _ = struct.unpack_from('<4sIQQ', b, pos)
        secs[tag] = (pos, length)
        pos += 24 + length
    return secs


def fix_checksums(b, secs):
    """Makes every section's checksum right again after its payload was changed in place."""
    for pos, length in secs.values():
        b[pos + 16:pos + 24] = _xxh.XXH3_64bits(bytes(b[pos + 24:pos + 24 + length]), length).to_bytes(8, 'little')
