#!/usr/bin/env python3
"""Replays a trace (sim_ct_replay trace) through real Linux conntrack, packet by packet.

Three namespaces: the conntrack box between two injectors.

    inject-c  eth ---- lan  box  wan ---- eth  inject-s

Each packet of the trace is written with AF_PACKET from the injector of its side, so it
arrives at the box like a frame off the wire and is forwarded through PREROUTING (conntrack),
FORWARD and POSTROUTING (confirmation) to the other injector, which waits for it to come out
(so conntrack is done with it) and drops it (it has no address). Then an agent in the box asks
conntrack over ctnetlink what it made of the packet: the `invalid` statistic (conntrack -S)
went up or not, and the entry holding its tuple (state, seconds left, ASSURED) as conntrack -L
shows it. Finally the agent sets every entry's timer to a sentinel, so that the next
observation tells whether a packet refreshed the timer or left it alone (IGNORE).

The agent speaks ctnetlink itself and changes nothing but the timeout: `conntrack -U` sends
back the whole entry it dumped (protocol state included) and changes what the next packets get.

    kernel_replay.py TRACE.jsonl OUT.txt [--profile default|strict|liberal]

Needs root (exit 77 otherwise). Namespaces are phxkr<pid>-{box,c,s}, removed on every exit path.
Output lines are those of sim_ct_replay's observation files.
"""
import argparse
import json
import os
import subprocess
import sys

SENTINEL = 77777

INJECTOR = r"""
import select, socket, sys
ifname, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(':', ''))
tx = {}
rx = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0003))
rx.bind((ifname, 0x0003))
def is_tcp(d):
    return (d[0] >> 4 == 4 and d[9] == 6) or (d[0] >> 4 == 6 and d[6] == 6)
sys.stdout.write('ready\n')
sys.stdout.flush()
for line in sys.stdin:
    cmd, _, arg = line.strip().partition(' ')
    if cmd == 'send':
        data = bytes.fromhex(arg)
        proto = 0x86DD if data[0] >> 4 == 6 else 0x0800
        if proto not in tx:
            tx[proto] = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(proto))
        tx[proto].sendto(data, (ifname, proto, 0, 0, mac))
        reply = 'ok'
    else:  # wait: the next TCP packet the box forwarded here
        reply = 'timeout'
        while select.select([rx], [], [], 2.0)[0]:
            data, addr = rx.recvfrom(65535)
            if addr[2] != socket.PACKET_OUTGOING and is_tcp(data):
                reply = 'ok'
                break
    sys.stdout.write(reply + '\n')
    sys.stdout.flush()
"""

AGENT = r"""
import socket, struct, sys
SENTINEL = int(sys.argv[1])
NESTED = 0x8000
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
s.bind((0, 0))
seq = 0
sys.stdout.write('ready\n')
sys.stdout.flush()

def nla(t, payload):
    n = 4 + len(payload)
    return struct.pack('=HH', n, t) + payload + b'\0' * ((4 - n % 4) % 4)

def attrs(buf):
    out, i = {}, 0
    while i + 4 <= len(buf):
        n, t = struct.unpack_from('=HH', buf, i)
        if n < 4:
            break
        out[t & 0x3fff] = buf[i + 4:i + n]
        i += (n + 3) & ~3
    return out

def request(mtype, flags, family, payload):
    global seq
    seq += 1
    body = struct.pack('=BBH', family, 0, 0) + payload
    s.send(struct.pack('=IHHII', 16 + len(body), (1 << 8) | mtype, flags, seq, 0) + body)
    msgs = []
    while True:
        data, i, done = s.recv(1 << 22), 0, False
        while i < len(data):
            n, t = struct.unpack_from('=IH', data, i)
            if t == 3:  # NLMSG_DONE
                done = True
            elif t == 2:  # NLMSG_ERROR (an ACK when 0)
                err = struct.unpack_from('=i', data, i + 16)[0]
                if err and err != -2:  # -ENOENT: the entry went meanwhile
                    raise OSError(-err, 'ctnetlink')
                done = True
            else:
                msgs.append(data[i + 20:i + n])
            i += (n + 3) & ~3
        if done:
            return msgs

def tuple_of(raw, family):
    t = attrs(raw)
    ip, proto = attrs(t[1]), attrs(t[2])
    if family == 2:
        src, dst = socket.inet_ntop(socket.AF_INET, ip[1]), socket.inet_ntop(socket.AF_INET, ip[2])
    else:
        src, dst = socket.inet_ntop(socket.AF_INET6, ip[3]), socket.inet_ntop(socket.AF_INET6, ip[4])
    return (src, dst, struct.unpack('!H', proto[2])[0], struct.unpack('!H', proto[3])[0])

NAMES = ['NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT',
         'CLOSE', 'SYN_SENT2']

def invalid_total():
    total = 0
    for m in request(4, 1 | 0x300, 0, b''):  # IPCTNL_MSG_CT_GET_STATS_CPU
        a = attrs(m)
        if 4 in a:  # CTA_STATS_INVALID
            total += struct.unpack('!I', a[4])[0]
    return total

for line in sys.stdin:
    fam, src, dst, sport, dport = line.split()
    family = 10 if fam == 'ipv6' else 2
    want = (src, dst, int(sport), int(dport))
    inv = (want[1], want[0], want[3], want[2])
    found, origs = '- - -', []
    for m in request(1, 1 | 0x300, family, b''):  # IPCTNL_MSG_CT_GET, dump
        a = attrs(m)
        if 1 not in a or 2 not in a:
            continue
        orig, reply = tuple_of(a[1], family), tuple_of(a[2], family)
        if struct.unpack('!B', attrs(attrs(a[2])[2])[1])[0] != 6:
            continue
        origs.append(a[1])
        if want in (orig, reply) or inv in (orig, reply):
            state = NAMES[attrs(attrs(a[4])[1])[1][0]] if 4 in a else '?'
            timeout = struct.unpack('!I', a[7])[0] if 7 in a else 0
            assured = struct.unpack('!I', a[3])[0] & 4 if 3 in a else 0
            found = '%s %d %s' % (state, timeout, 'A' if assured else '-')
    invalid = invalid_total()
    for raw in origs:  # only the timer: tuple + CTA_TIMEOUT, nothing else
        request(0, 1 | 4, family, nla(1 | NESTED, raw) + nla(7, struct.pack('!I', SENTINEL)))
    # Answer only now: the next packet must find every timer at the sentinel.
    sys.stdout.write('%d %s\n' % (invalid, found))
    sys.stdout.flush()
"""


def run(*args, check=True, capture=False):
    return subprocess.run(args, check=check, text=True,
                          stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                          stderr=subprocess.PIPE if capture else subprocess.DEVNULL)


def fingerprint(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def tuple_of(data):
    import ipaddress
    if data[0] >> 4 == 6:
        src, dst, off = ipaddress.ip_address(data[8:24]), ipaddress.ip_address(data[24:40]), 40
    else:
        src, dst, off = ipaddress.ip_address(data[12:16]), ipaddress.ip_address(data[16:20]), (data[0] & 15) * 4
    return '%s %s %d %d' % (src, dst, int.from_bytes(data[off:off + 2], 'big'), int.from_bytes(data[off + 2:off + 4], 'big'))


class Worker:
    def __init__(self, ns, code, *args):
        self.p = subprocess.Popen(['ip', 'netns', 'exec', ns, sys.executable, '-c', code, *args],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if self.p.stdout.readline().strip() != 'ready':
            raise RuntimeError('a replay helper did not start in ' + ns)

    def ask(self, line):
        self.p.stdin.write(line + '\n')
        self.p.stdin.flush()
        answer = self.p.stdout.readline()
        if not answer:
            raise RuntimeError('a replay helper died')
        return answer.strip()

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('trace')
    ap.add_argument('out')
    ap.add_argument('--profile', default='default', choices=['default', 'strict', 'liberal'])
    a = ap.parse_args()
    if os.geteuid() != 0:
        print('SKIP: needs root (network namespaces)')
        return 77

    with open(a.trace) as f:
        header = json.loads(f.readline())
        packets = [json.loads(line) for line in f]
    v6 = header['family'] == 'ipv6'

    p = 'phxkr%d-' % os.getpid()
    box, nc, ns = p + 'box', p + 'c', p + 's'
    workers = []
    try:
        for n in (box, nc, ns):
            run('ip', 'netns', 'add', n)
            run('ip', '-n', n, 'link', 'set', 'lo', 'up')
        run('ip', 'link', 'add', 'lan', 'netns', box, 'type', 'veth', 'peer', 'name', 'eth', 'netns', nc)
        run('ip', 'link', 'add', 'wan', 'netns', box, 'type', 'veth', 'peer', 'name', 'eth', 'netns', ns)
        for n, dev in ((box, 'lan'), (box, 'wan'), (nc, 'eth'), (ns, 'eth')):
            run('ip', 'netns', 'exec', n, 'sysctl', '-qw', 'net.ipv6.conf.%s.disable_ipv6=%d' % (dev, 0 if v6 else 1))
            run('ip', '-n', n, 'link', 'set', dev, 'up')

        def mac(n, dev):
            return json.loads(run('ip', '-n', n, '-j', 'link', 'show', dev, capture=True).stdout)[0]['address']
        mac_c, mac_s, mac_lan, mac_wan = mac(nc, 'eth'), mac(ns, 'eth'), mac(box, 'lan'), mac(box, 'wan')

        # The ct expression makes nft register conntrack's hooks in this namespace; the counter
        # is checked against the agent's statistics at the end.
        nft = ('table inet replay {\n  counter invalid { }\n'
               '  chain pre { type filter hook prerouting priority -150; '
               'meta l4proto tcp ct state invalid counter name "invalid"; }\n}\n')
        subprocess.run(['ip', 'netns', 'exec', box, 'nft', '-f', '-'], input=nft, text=True, check=True)
        sysctls = ['net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1',
                   'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0',
                   'net.ipv4.conf.lan.rp_filter=0', 'net.ipv4.conf.wan.rp_filter=0',
                   'net.netfilter.nf_conntrack_checksum=1',
                   'net.netfilter.nf_conntrack_tcp_loose=%d' % (0 if a.profile == 'strict' else 1),
                   'net.netfilter.nf_conntrack_tcp_be_liberal=%d' % (1 if a.profile == 'liberal' else 0),
                   'net.netfilter.nf_conntrack_tcp_ignore_invalid_rst=0',
                   'net.netfilter.nf_conntrack_tcp_max_retrans=3']
        run('ip', 'netns', 'exec', box, 'sysctl', '-qw', *sysctls)
        # Routes and permanent neighbours towards each side: no ARP/ND, no addresses needed.
        for addrs, dev, peer in ((header['client'], 'lan', mac_c), (header['server'], 'wan', mac_s)):
            for addr in addrs:
                run('ip', '-n', box, 'route', 'add', addr + ('/128' if v6 else '/32'), 'dev', dev)
                run('ip', '-n', box, 'neigh', 'replace', addr, 'lladdr', peer, 'dev', dev, 'nud', 'permanent')

        inj = {'c': Worker(nc, INJECTOR, 'eth', mac_lan), 's': Worker(ns, INJECTOR, 'eth', mac_wan)}
        agent = Worker(box, AGENT, str(SENTINEL))
        workers = [inj['c'], inj['s'], agent]
        fam = 'ipv6' if v6 else 'ipv4'
        invalid_before = int(agent.ask('%s 0::1 0::2 1 2' % fam if v6 else '%s 0.0.0.1 0.0.0.2 1 2' % fam).split()[0])
        flagged = 0
        with open(a.out, 'w') as out:
            for i, pk in enumerate(packets):
                data = bytes.fromhex(pk['hex'])
                inj[pk['side']].ask('send ' + pk['hex'])
                if inj['s' if pk['side'] == 'c' else 'c'].ask('wait') != 'ok':
                    raise RuntimeError('packet %d did not come out of the box' % i)
                fields = agent.ask('%s %s' % (fam, tuple_of(data))).split()
                invalid = int(fields[0])
                flag = 'I' if invalid > invalid_before else '-'
                flagged += invalid > invalid_before
                invalid_before = invalid
                out.write('%d %08x %s %s\n' % (i, fingerprint(data), flag, ' '.join(fields[1:])))
        counted = run('ip', 'netns', 'exec', box, 'nft', 'list', 'counter', 'inet', 'replay', 'invalid', capture=True).stdout
        if ('packets %d ' % flagged) not in counted:
            raise RuntimeError('the nft invalid counter disagrees with conntrack -S: %s vs %d' % (counted, flagged))
        return 0
    finally:
        for w in workers:
            w.close()
        for n in (box, nc, ns):
            run('ip', 'netns', 'del', n, check=False)


if __name__ == '__main__':
    sys.exit(main())
