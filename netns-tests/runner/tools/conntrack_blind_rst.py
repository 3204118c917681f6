#!/usr/bin/env python3
"""Replays the c13-rst-blind failure on a real conntrack, packet by packet (root; own namespaces).

client (10.99.0.1) -- box (masquerade, conntrack defaults) -- server (10.99.1.2)

A fake-TCP connection with window scale 14 and a 65535 window on both sides (Phantasm's and
Phantun's handshake: the window conntrack tracks, td_maxwin, is ~1 GiB), a little data both ways,
then blind RSTs from the client side (no ACK, sequence numbers an off-path attacker guessed), each
followed by data both ways. The script reports per packet whether the box NATed it or found it
INVALID (INVALID skips NAT: its source on the server's link stays 10.99.0.1), and conntrack's
reasons (nf_conntrack_log_invalid through NFLOG).

What it shows (kernel 6.18; the c13-rst-blind root cause): a RST inside conntrack's window is
accepted and moves the direction's td_end up to its sequence number; a second one may overshoot
td_maxend by up to td_maxwin and still move td_end ("N bytes more than expected"). Once td_end is
more than td_maxwin ahead of the real data, the real segments fall under the lower bound and
are IGNORED (passed, no state update), so the peer's data never advances its td_end either, and
the first ACK of that data is INVALID ("ACK is over upper bound (ACKed data not seen yet)"). With
a 1 GiB window about half of all random sequence numbers land in conntrack's window.

Usage: conntrack_blind_rst.py [--rst-offsets A,B,...]   (each RST's seq = client td_maxend + offset)
       conntrack_blind_rst.py --replay PCAP --port P [--until HH:MM:SS.ffffff]
           replays one connection (client port P) of a capture taken on a box's client-side link
           (`phantasm netns run --pcap`: capture-<box>-lan.pcap), packet by packet, through the box
           here, and reports every packet conntrack found INVALID.
"""
import argparse, os, socket, struct, subprocess, sys, time

P = 'phxrst%d-' % os.getpid()
C, M, S = P + 'c', P + 'm', P + 's'


def sh(cmd, ns=None, check=True):
    full = (['ip', 'netns', 'exec', ns] if ns else []) + cmd
    r = subprocess.run(full, capture_output=True, text=True)
    if check and r.returncode:
        raise SystemExit('%s: %s' % (' '.join(full), r.stderr))
    return r.stdout


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def packet(src, dst, sport, dport, seq, ack, flags, win=65535, opts=b'', payload=b''):
    off = (20 + len(opts)) // 4
    tcp = struct.pack('!HHIIBBHHH', sport, dport, seq, ack, off << 4, flags, win, 0, 0) + opts + payload
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!BBH', 0, 6, len(tcp))
    c = csum(ph + tcp)
    tcp = tcp[:16] + struct.pack('!H', c) + tcp[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return ip + tcp


SENDER = r'''
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for line in sys.stdin:
    b = bytes.fromhex(line.strip())
    s.sendto(b, (socket.inet_ntoa(b[16:20]), 0))
    sys.stdout.write('ok\n'); sys.stdout.flush()
'''


class Sender:
    def __init__(self, ns):
        self.p = subprocess.Popen(['ip', 'netns', 'exec', ns, sys.executable, '-c', SENDER],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def send(self, b):
        self.p.stdin.write(b.hex() + '\n')
        self.p.stdin.flush()
        self.p.stdout.readline()
        time.sleep(0.05)

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def invalid(ns):
    return sum(int(x.split('=')[1]) for x in sh(['conntrack', '-S'], ns).split() if x.startswith('invalid='))


def read_pcap(path):
    """(timestamp, IP packet) for every frame of an Ethernet pcap (usec or nsec)."""
    data = open(path, 'rb').read()
    magic = struct.unpack('<I', data[:4])[0]
    scale = 1e-9 if magic == 0xa1b23c4d else 1e-6
    out, i = [], 24
    while i + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack('<IIII', data[i:i + 16])
        frame = data[i + 16:i + 16 + caplen]
        i += 16 + caplen
        if len(frame) > 14 and frame[12:14] == b'\x08\x00':
            out.append((sec + frac * scale, frame[14:]))
    return out


def readdress(ip, src, dst):
    """The same TCP segment between other addresses, checksums recomputed."""
    ihl = (ip[0] & 15) * 4
    total = struct.unpack('!H', ip[2:4])[0]
    tcp = bytearray(ip[ihl:total])
    tcp[16:18] = b'\0\0'
    ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!BBH', 0, 6, len(tcp))
    tcp[16:18] = struct.pack('!H', csum(ph + bytes(tcp)))
    hdr = bytearray(ip[:20])
    hdr[0] = 0x45
    hdr[2:4] = struct.pack('!H', 20 + len(tcp))
    hdr[10:12] = b'\0\0'
    hdr[12:16] = socket.inet_aton(src)
    hdr[16:20] = socket.inet_aton(dst)
    hdr[10:12] = struct.pack('!H', csum(bytes(hdr)))
    return bytes(hdr) + bytes(tcp)


def describe(ip):
    ihl = (ip[0] & 15) * 4
    sport, dport, seq, ack, off, flags, win = struct.unpack('!HHIIBBH', ip[ihl:ihl + 16])
    length = struct.unpack('!H', ip[2:4])[0] - ihl - (off >> 4) * 4
    names = ''.join(n for b, n in ((2, 'S'), (1, 'F'), (4, 'R'), (8, 'P'), (16, '.')) if flags & b)
    return '%5d > %5d [%s] seq %u ack %u win %u len %d' % (sport, dport, names, seq, ack, win, length)


def print_nflog(path):
    """The prefix (conntrack's reason) of every NFLOG message in a tcpdump -i nflog capture."""
    try:
        data = open(path, 'rb').read()
    except OSError:
        return
    i = 24
    print("conntrack's reasons (nf_conntrack_log_invalid through NFLOG):")
    while i + 16 <= len(data):
        caplen = struct.unpack('<I', data[i + 8:i + 12])[0]
        rec = data[i + 16:i + 16 + caplen]
        i += 16 + caplen
        j = 4  # nflog header: family, version, resource id
        while j + 4 <= len(rec):
            n, t = struct.unpack('<HH', rec[j:j + 4])
            if n < 4:
                break
            if t == 10:  # NFULA_PREFIX
                print('  ' + rec[j + 4:j + n].rstrip(b'\0').decode(errors='replace'))
            j += (n + 3) & ~3
    os.unlink(path)


def replay(args, c, s):
    import datetime
    frames = []
    for t, ip in read_pcap(args.replay):
        if ip[9] != 6:
            continue
        ihl = (ip[0] & 15) * 4
        sport, dport = struct.unpack('!HH', ip[ihl:ihl + 4])
        if args.port not in (sport, dport):
            continue
        when = datetime.datetime.fromtimestamp(t).strftime('%H:%M:%S.%f')
        if args.until and when > args.until:
            break
        frames.append((when, sport == args.port, ip))
    print('replaying %d packets of client port %d' % (len(frames), args.port))
    for when, from_client, ip in frames:
        before = invalid(M)
        if from_client:
            c.send(readdress(ip, '10.99.0.1', '10.99.1.2'))
        else:
            s.send(readdress(ip, '10.99.1.2', '10.99.1.1'))
        n = invalid(M) - before
        print('%s %s %s%s' % (when, 'C>S' if from_client else 'S>C', describe(ip), '   INVALID' if n else ''))


def main():
    a = argparse.ArgumentParser()
    a.add_argument('--rst-offsets', default='-154101744,361617577',
                   help='blind RSTs, each at the client direction\'s td_maxend + offset (default: the c13 run\'s)')
    a.add_argument('--replay', help='pcap of a box\'s client-side link')
    a.add_argument('--port', type=int, help='with --replay: the client port of the connection')
    a.add_argument('--until', help='with --replay: stop after this time of day (HH:MM:SS.ffffff)')
    args = a.parse_args()
    try:
        for ns in (C, M, S):
            sh(['ip', 'netns', 'add', ns])
            sh(['ip', 'link', 'set', 'lo', 'up'], ns)
        sh(['ip', 'link', 'add', 'wan', 'netns', C, 'type', 'veth', 'peer', 'name', 'lan', 'netns', M])
        sh(['ip', 'link', 'add', 'wan', 'netns', M, 'type', 'veth', 'peer', 'name', 'lan', 'netns', S])
        for ns, dev, addr in ((C, 'wan', '10.99.0.1/24'), (M, 'lan', '10.99.0.2/24'), (M, 'wan', '10.99.1.1/24'),
                              (S, 'lan', '10.99.1.2/24')):
            sh(['ip', 'addr', 'add', addr, 'dev', dev], ns)
            sh(['ip', 'link', 'set', dev, 'up'], ns)
        sh(['ip', 'route', 'add', 'default', 'via', '10.99.0.2'], C)
        sh(['ip', 'route', 'add', 'default', 'via', '10.99.1.1'], S)
        sh(['sysctl', '-qw', 'net.ipv4.ip_forward=1'], M)
        sh(['nft', 'add table ip nat; add chain ip nat post { type nat hook postrouting priority 100; }; '
            'add rule ip nat post oifname "wan" masquerade'], M)
        # The end hosts' own stacks must not answer the crafted segments.
        for ns in (C, S):
            sh(['nft', 'add table ip f; add chain ip f in { type filter hook input priority 0; policy drop; }'], ns)
        # conntrack's reason for each INVALID, through NFLOG group 0 (nf_log in a namespace).
        sh(['sysctl', '-qw', 'net.netfilter.nf_conntrack_log_invalid=6'], M)
        sh(['sysctl', '-qw', 'net.netfilter.nf_log.2=nfnetlink_log'], M, check=False)
        logf = '/tmp/%snflog.pcap' % P
        nflog = subprocess.Popen(['ip', 'netns', 'exec', M, 'tcpdump', '-i', 'nflog:0', '-w', logf, '-U'],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cap = subprocess.Popen(['ip', 'netns', 'exec', S, 'tcpdump', '-l', '-nn', '-S', '-i', 'lan', 'tcp'],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        time.sleep(1)
        c, s = Sender(C), Sender(S)
        if args.replay:
            replay(args, c, s)
            c.close()
            s.close()
            print('box conntrack entry at the end:\n ', sh(['conntrack', '-L'], M, check=False).strip())
            cap.terminate()
            time.sleep(0.5)
            nflog.terminate()
            nflog.wait()
            print_nflog(logf)
            return
        ws = b'\x01\x03\x03\x0e'  # NOP, window scale 14
        cs, ss = 0, 120644271     # Phantun's client ISN is 0
        c.send(packet('10.99.0.1', '10.99.1.2', 40482, 4567, cs, 0, 0x02, opts=ws))
        s.send(packet('10.99.1.2', '10.99.1.1', 4567, 40482, ss, cs + 1, 0x12, opts=ws))
        cs, ss = cs + 1, ss + 1
        c.send(packet('10.99.0.1', '10.99.1.2', 40482, 4567, cs, ss, 0x10))
        steps = []

        def exchange(tag):
            nonlocal cs, ss
            before = invalid(M)
            c.send(packet('10.99.0.1', '10.99.1.2', 40482, 4567, cs, ss, 0x10, payload=b'x' * 64))
            cs += 64
            s.send(packet('10.99.1.2', '10.99.1.1', 4567, 40482, ss, cs, 0x10, payload=b'y' * 64))
            ss += 64
            steps.append((tag, invalid(M) - before))

        for i in range(3):
            exchange('data before the RSTs')
        for offset in (int(x) for x in args.rst_offsets.split(',')):
            # The client direction's td_maxend: the server's last ack + 65535 << 14.
            td_maxend = (cs + (65535 << 14)) & 0xffffffff
            rst_seq = (td_maxend + offset) & 0xffffffff
            before = invalid(M)
            c.send(packet('10.99.0.1', '10.99.1.2', 40482, 4567, rst_seq, 0, 0x04, win=0))
            steps.append(('blind RST seq %u (td_maxend %u %+d)' % (rst_seq, td_maxend, offset), invalid(M) - before))
            for i in range(2):
                exchange('data after it')
        time.sleep(0.5)
        c.close()
        s.close()
        entry = sh(['conntrack', '-L'], M, check=False)
        cap.terminate()
        out = cap.communicate()[0]
        time.sleep(0.5)
        nflog.terminate()
        nflog.wait()
        print('on the server link (10.99.1.1 = NATed by the box, 10.99.0.1 = INVALID, not NATed):')
        print(out)
        print('box INVALID count per step:')
        for tag, n in steps:
            print('  %-64s INVALID +%d' % (tag, n))
        print('box conntrack entry at the end:\n ', entry.strip())
        print_nflog(logf)
    finally:
        for ns in (C, M, S):
            subprocess.run(['ip', 'netns', 'del', ns], stderr=subprocess.DEVNULL)


if __name__ == '__main__':
    main()
