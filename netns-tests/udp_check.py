#!/usr/bin/env python3
"""A tiny UDP sender and echo server for the netns end-to-end test, until `phantasm udpgen`
lands: every datagram carries (flow, seq, length) and a payload derived from them, so both ends
can tell intact, corrupted, duplicated and missing datagrams apart.

  udp_check.py echo --listen 127.0.0.1:7777 --report FILE   (until SIGTERM; then writes FILE)
  udp_check.py send --target 127.0.0.1:1234 --flows 16 --count 5000 [--window 64] [--flow-base N]
"""
import argparse
import json
import random
import selectors
import signal
import socket
import struct
import sys
import time

HEADER = struct.Struct("!HIH")  # flow, seq, total length
PATTERN = random.Random(20261125).randbytes(8192)
MIN_SIZE, MAX_SIZE = HEADER.size, 1400


def size_of(flow, seq):
    return MIN_SIZE + (seq * 37 + flow * 11) % (MAX_SIZE - MIN_SIZE + 1)


def make(flow, seq):
    n = size_of(flow, seq)
    start = (flow * 131 + seq * 17) % 4096
    return HEADER.pack(flow, seq, n) + PATTERN[start:start + n - HEADER.size]


def check(data):
    """(flow, seq) of an intact datagram, or None."""
    if len(data) < HEADER.size:
        return None
    flow, seq, n = HEADER.unpack_from(data)
    if n != len(data) or data != make(flow, seq):
        return None
    return flow, seq


def split(addr):
    host, port = addr.rsplit(":", 1)
    return host.strip("[]"), int(port)


def family_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def echo(args):
    host, port = split(args.listen)
    sock = socket.socket(family_of(host), socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    sock.bind((host, port))
    seen, stats = {}, {"received": 0, "intact": 0, "corrupted": 0, "duplicated": 0, "sources": 0}
    sources = set()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    sock.settimeout(0.2)
    while not stop:
        try:
            data, peer = sock.recvfrom(65535)
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        stats["received"] += 1
        sources.add(peer)
        key = check(data)
        if key is None:
            stats["corrupted"] += 1
            continue
        if key in seen:
            stats["duplicated"] += 1
        else:
            seen[key] = True
            stats["intact"] += 1
        sock.sendto(data, peer)
    stats["sources"] = len(sources)
    per_flow = {}
    for flow, _ in seen:
        per_flow[flow] = per_flow.get(flow, 0) + 1
    stats["per_flow_min"] = min(per_flow.values()) if per_flow else 0
    stats["flows"] = len(per_flow)
    with open(args.report, "w") as f:
        json.dump(stats, f)


def send(args):
    host, port = split(args.target)
    target = (host, port)
    sel = selectors.DefaultSelector()
    socks = []
    for flow in range(args.flows):
        s = socket.socket(family_of(host), socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        s.setblocking(False)
        s.connect(target)
        sel.register(s, selectors.EVENT_READ, flow)
        socks.append(s)
    next_seq = [0] * args.flows
    got = [set() for _ in range(args.flows)]
    stats = {"sent": 0, "received": 0, "intact": 0, "corrupted": 0, "duplicated": 0,
             "wrong_flow": 0}
    total = args.flows * args.count
    last_progress = time.monotonic()
    start = last_progress
    while stats["intact"] < total:
        for flow, s in enumerate(socks):
            outstanding = next_seq[flow] - len(got[flow])
            # One datagram until the first echo: a tunnel may hold only a few datagrams while
            # its handshake runs (and counts the rest as dropped).
            window = args.window if got[flow] else 1
            while next_seq[flow] < args.count and outstanding < window:
                try:
                    s.send(make(args.flow_base + flow, next_seq[flow]))
                except BlockingIOError:
                    break
                next_seq[flow] += 1
                outstanding += 1
                stats["sent"] += 1
        for key, _ in sel.select(timeout=0.05):
            flow = key.data
            while True:
                try:
                    data = key.fileobj.recv(65535)
                except (BlockingIOError, ConnectionRefusedError):
                    break
                stats["received"] += 1
                k = check(data)
                if k is None:
                    stats["corrupted"] += 1
                elif k[0] != args.flow_base + flow:
                    stats["wrong_flow"] += 1
                elif k[1] in got[flow]:
                    stats["duplicated"] += 1
                else:
                    got[flow].add(k[1])
                    stats["intact"] += 1
                    last_progress = time.monotonic()
        if time.monotonic() - last_progress > args.stall_seconds:
            break
    elapsed = time.monotonic() - start
    stats["missing"] = total - stats["intact"]
    stats["per_flow_min"] = min(len(g) for g in got)
    stats["seconds"] = round(elapsed, 2)
    print(json.dumps(stats))
    ok = stats["missing"] == 0 and stats["corrupted"] == 0 and stats["duplicated"] == 0 \
        and stats["wrong_flow"] == 0
    return 0 if ok else 1


def oversize(args):
    """Sends one datagram of --size bytes (to check the daemon's MSG_TRUNC accounting)."""
    host, port = split(args.target)
    s = socket.socket(family_of(host), socket.SOCK_DGRAM)
    s.sendto(b"\x55" * args.size, (host, port))
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    e = sub.add_parser("echo")
    e.add_argument("--listen", required=True)
    e.add_argument("--report", required=True)
    s = sub.add_parser("send")
    s.add_argument("--target", required=True)
    s.add_argument("--flows", type=int, default=16)
    s.add_argument("--count", type=int, default=5000)
    s.add_argument("--flow-base", type=int, default=0, help="first flow id (keep runs apart)")
    s.add_argument("--window", type=int, default=64)
    s.add_argument("--stall-seconds", type=float, default=10.0)
    o = sub.add_parser("oversize")
    o.add_argument("--target", required=True)
    o.add_argument("--size", type=int, required=True)
    args = parser.parse_args()
    return {"echo": echo, "send": send, "oversize": oversize}[args.command](args) or 0


if __name__ == "__main__":
    sys.exit(main())
