#!/usr/bin/python3
"""Checks the shape of a `phantasm bench --quick` JSON: rows, fields, summary, ratio."""
import json
import sys

ROW_FIELDS = ["mode", "streams", "repetition", "sender_mbps", "receiver_mbps", "loss_percent",
              "sent_packets", "received_packets", "received_bytes", "cpu", "where_lost", "counters",
              "iperf_sender_threads"]
CPU_FIELDS = ["tunnel_client_s", "tunnel_server_s", "tunnel_s", "machine_busy_s",
              "machine_capacity_s", "tunnel_s_per_gb", "machine_s_per_gb"]
LOSS_FIELDS = ["server_udp_rcvbuf", "server_tun_dropped", "veth_dropped", "softnet_backlog_dropped",
               "client_tun_dropped", "client_udp_rcvbuf", "unattributed", "missing"]
MACHINE_FIELDS = ["cores", "kernel", "iperf3_version", "iperf3_single_threaded", "load_before",
                  "veth_offloads"]


def main(path):
    d = json.load(open(path))
    problems = []
    modes, streams = {"direct", "phantasm"}, {1, 5}
    seen = {(r.get("mode"), r.get("streams")) for r in d["rows"]}
    for m in modes:
        for s in streams:
            if (m, s) not in seen:
                problems.append(f"no row for {m} -P {s}")
    for r in d["rows"]:
        where = f"row {r.get('mode')} -P {r.get('streams')}"
        if r.get("error"):
            problems.append(f"{where}: error {r['error']}")
            continue
        problems += [f"{where}: no {f}" for f in ROW_FIELDS if f not in r]
        problems += [f"{where}: no cpu.{f}" for f in CPU_FIELDS if f not in r.get("cpu", {})]
        problems += [f"{where}: no where_lost.{f}" for f in LOSS_FIELDS if f not in r.get("where_lost", {})]
        if r.get("received_packets", 0) <= 0:
            problems.append(f"{where}: nothing received")
        if r.get("mode") == "phantasm" and "bt" not in r["counters"]["client"]["links"]:
            problems.append(f"{where}: no TUN counters")
    for e in d["summary"]:
        ratio = e.get("ratio_to_direct")
        if not isinstance(ratio, (int, float)) or ratio <= 0:
            problems.append(f"summary {e.get('mode')} -P {e.get('streams')}: ratio_to_direct is {ratio!r}")
    if {(e["mode"], e["streams"]) for e in d["summary"]} != {(m, s) for m in modes for s in streams}:
        problems.append("summary does not cover direct and phantasm at -P 1 and 5")
    problems += [f"machine: no {f}" for f in MACHINE_FIELDS if f not in d.get("machine", {})]
    if len(d.get("loss_free", [])) != 4 or any("loss_free_offered_mbps" not in s for s in d["loss_free"]):
        problems.append("loss_free: expected 4 searches with loss_free_offered_mbps")
    for p in problems:
        print("FAIL:", p)
    if not problems:
        print(f"ok: {len(d['rows'])} rows, {len(d['summary'])} summary entries, ratios computed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
