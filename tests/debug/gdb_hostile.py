#!/usr/bin/env python3
"""A hostile GDB remote client: bad checksums, a huge unterminated packet, truncated and
unknown packets, absurd lengths and addresses, a second client while the first is connected,
then it vanishes mid-packet. kjump must answer each (or nack it) and never crash or hang."""
import socket
import sys

port = int(sys.argv[1])


def frame(p: bytes) -> bytes:
    return b"$" + p + b"#" + b"%02x" % (sum(p) & 0xFF)


def reply(s: socket.socket) -> bytes:
    """The next packet's payload (acks skipped)."""
    buf = b""
    while True:
        c = s.recv(1)
        if not c:
            raise SystemExit("FAIL: the stub closed the connection")
        if c == b"$":
            break
    while True:
        c = s.recv(1)
        if c == b"#":
            s.recv(2)
            s.sendall(b"+")
            return buf
        buf += c


s = socket.create_connection(("127.0.0.1", port), timeout=30)
checks = []
s.sendall(b"$qSupported#00")  # bad checksum: a nack, nothing else
c = s.recv(1)
checks.append(("bad checksum nacked", c == b"-"))
s.sendall(frame(b"qSupported:swbreak+"))
r = reply(s)
checks.append(("qSupported", b"ReverseStep+" in r and b"qXfer:features:read+" in r))
s.sendall(b"$" + b"A" * 100000 + b"#00")  # longer than any packet: dropped
s.sendall(frame(b"?"))
r = reply(s)
checks.append(("after an oversized packet", r.startswith(b"T05")))
for p, want in [(b"m0,ffffffffffffffffff", b"E01"), (b"mffffffff,100000", None), (b"Mzz,1:00", b"E01"),
                (b"Z0,nothex,1", b"E01"), (b"p9999", b"E01"), (b"P0=12", b"E01"), (b"G00", b"E01"),
                (b"qXfer:features:read:target.xml:ffffffff,10", b"l"), (b"qRcmd,zz", b"E01"),
                (b"vCont;x", b"E01"), (b"Xbad", b"E01"), (b"\x00\xff~", b""), (b"qRcmd," + b"bogus".hex().encode(), None)]:
    s.sendall(frame(p))
    r = reply(s)
    while r.startswith(b"O") and r != b"OK":
        r = reply(s)
    checks.append((p[:24].decode("latin1"), want is None or r == want))
# A second client is refused while this one is connected.
t = socket.create_connection(("127.0.0.1", port), timeout=10)
s.sendall(frame(b"?"))
reply(s)
got = t.recv(16)
checks.append(("second client refused", got.startswith(b"$E01")))
t.close()
s.sendall(b"$m0,4#")  # truncated, then gone
s.close()
bad = [n for n, ok in checks if not ok]
if bad:
    print("FAIL:", ", ".join(bad))
    sys.exit(1)
print("PASS: hostile client: %d checks, then vanished mid-packet" % len(checks))
