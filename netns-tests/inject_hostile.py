#!/usr/bin/env python3
"""Writes hostile packets into a Phantasm daemon's TUN device: run inside the daemon's network
namespace, addressed to the TUN peer (the address the tunnel speaks as), so the kernel routes
them out of the TUN and the daemon reads every one.

  inject_hostile.py --peer 192.168.201.2 --port 4567 --count N [--tuple SRC:PORT ...]
                    [--peer6 fcc9::2] [--seed S]

Kinds (N of each, round robin): TCP shorter than its header, bad TCP checksum, data offset below
5 or past the end, impossible flags (none, SYN+FIN, SYN+RST), data for unknown 4-tuples, and,
for every --tuple given (the real flows' far ends as the daemon sees them), RSTs with random
sequence numbers. IPv6 gets the first two kinds when --peer6 is given. Prints one JSON line:
how many of each kind were sent. Needs root (raw sockets).
"""
import argparse
import ipaddress
import json
import random
import socket
import struct


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def tcp_segment(src, dst, sport, dport, seq, ack, flags, payload=b"", doff=5, good_sum=True):
    header = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags, 65535, 0, 0)
    segment = header + payload
    if src.version == 4:
        pseudo = src.packed + dst.packed + struct.pack("!BBH", 0, 6, len(segment))
    else:
        pseudo = src.packed + dst.packed + struct.pack("!I3xB", len(segment), 6)
    value = checksum(pseudo + segment)
    if not good_sum:
        value ^= 0x5A5A
    return segment[:16] + struct.pack("!H", value) + segment[18:]


def ipv4(src, dst, l4: bytes) -> bytes:
    # The kernel fills in the total length and the header checksum of IP_HDRINCL packets.
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, 6, 0,
                       src.packed, dst.packed) + l4


def ipv6(src, dst, l4: bytes) -> bytes:
    return struct.pack("!IHBB16s16s", 6 << 28, len(l4), 6, 64, src.packed, dst.packed) + l4


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peer", required=True)
    ap.add_argument("--peer6")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--tuple", action="append", default=[], help="SRC_IP:PORT of a live flow")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    peer = ipaddress.ip_address(a.peer)
    s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sent = {}

    def send4(kind, src, l4):
        s4.sendto(ipv4(src, peer, l4), (str(peer), 0))
        sent[kind] = sent.get(kind, 0) + 1

    def stranger():
        return ipaddress.ip_address("198.18.%d.%d" % (rng.randrange(256), rng.randrange(1, 255)))

    tuples = [(ipaddress.ip_address(t.rsplit(":", 1)[0]), int(t.rsplit(":", 1)[1])) for t in a.tuple]
    for i in range(a.count):
        src, sport, r32 = stranger(), rng.randrange(1024, 65536), rng.getrandbits(32)
        full = tcp_segment(src, peer, sport, a.port, r32, r32, 0x10, b"x" * 32)
        send4("tcp-truncated", src, full[: rng.randrange(0, 20)])
        send4("tcp-bad-checksum", src, tcp_segment(src, peer, sport, a.port, r32, 0, 0x18, b"x" * 32,
                                                   good_sum=False))
        doff = rng.choice([0, 1, 4, 15])
        send4("tcp-bad-data-offset", src, tcp_segment(src, peer, sport, a.port, r32, 0, 0x10, b"", doff=doff))
        flags = rng.choice([0x00, 0x03, 0x06, 0x07])
        send4("tcp-bad-flags", src, tcp_segment(src, peer, sport, a.port, r32, 0, flags, b"y" * 8))
        send4("no-connection", src, tcp_segment(src, peer, sport, a.port, r32, r32, 0x18, b"z" * 64))
        for tsrc, tport in tuples:
            send4("blind-rst", tsrc, tcp_segment(tsrc, peer, tport, a.port, rng.getrandbits(32), 0, 0x04))
    if a.peer6:
        peer6 = ipaddress.ip_address(a.peer6)
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
        for i in range(a.count):
            src = ipaddress.ip_address("2001:db8::%x" % rng.randrange(1, 65536))
            sport, r32 = rng.randrange(1024, 65536), rng.getrandbits(32)
            full = tcp_segment(src, peer6, sport, a.port, r32, r32, 0x10, b"x" * 32)
            for kind, l4 in (("ipv6-tcp-truncated", full[: rng.randrange(0, 20)]),
                             ("ipv6-tcp-bad-checksum",
                              tcp_segment(src, peer6, sport, a.port, r32, 0, 0x18, b"x" * 32, good_sum=False))):
                s6.sendto(ipv6(src, peer6, l4), (str(peer6), 0))
                sent[kind] = sent.get(kind, 0) + 1
    print(json.dumps(sent))


if __name__ == "__main__":
    main()
