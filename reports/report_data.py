"""Turns a `phantasm bench` JSON document into the rows the tables and charts show.

Pure functions over dicts (no matplotlib here), so the tests can check the numbers alone.
"""
import json

MODE_ORDER = ["direct", "null-relay", "phantasm", "udp2raw", "phantun"]
# Where a datagram can be dropped, in path order for -R (iperf3 -s in the server namespace
# sends, iperf3 -c in the client namespace receives), with the words a reader needs.
LOSS_PLACES = [
    ("server_udp_rcvbuf", "server ns UDP socket full (tunnel server not draining)"),
    ("server_udp_other_in_errors", "server ns other UDP errors"),
    ("server_tun_dropped", "server TUN"),
    ("veth_dropped", "veths"),
    ("softnet_backlog_dropped", "softnet backlog"),
    ("client_tun_dropped", "client TUN queue full (tunnel client not reading)"),
    ("client_udp_rcvbuf", "client ns UDP socket full (iperf3 receiver)"),
    ("client_udp_other_in_errors", "client ns other UDP errors"),
    ("unattributed", "not counted by the kernel"),
]


def load(path):
    with open(path) as f:
        return json.load(f)


def median(spread):
    """The median of a {"median", "min", "max"} spread, or None."""
    return spread.get("median") if isinstance(spread, dict) else None


def modes_in(doc):
    """Modes present in the summary, in report order."""
    present = {e["mode"] for e in doc.get("summary", [])}
    return [m for m in MODE_ORDER if m in present] + sorted(present - set(MODE_ORDER))


def streams_in(doc):
    return sorted({e["streams"] for e in doc.get("summary", [])})


def summary_entry(doc, mode, streams):
    for e in doc.get("summary", []):
        if e["mode"] == mode and e["streams"] == streams:
            return e
    return None


def label_of(doc, mode):
    for e in doc.get("summary", []):
        if e["mode"] == mode:
            return e.get("label", mode)
    return mode


def loss_free_entry(doc, mode, streams):
    for s in doc.get("loss_free", []):
        if s.get("mode") == mode and s.get("streams") == streams:
            return s
    return None


def fmt(value, digits=0, unit=""):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{unit}"


def fmt_spread(spread, digits=0):
    """'612 [598–640]': median and range over the repetitions."""
    if not isinstance(spread, dict) or spread.get("median") is None:
        return "–"
    if spread.get("min") == spread.get("max"):
        return fmt(spread["median"], digits)
    return f"{fmt(spread['median'], digits)} [{fmt(spread['min'], digits)}–{fmt(spread['max'], digits)}]"


def readme_table(doc):
    """The Phantun README's shape: a row per stream count, a column per mode, send/recv Gbit/s."""
    modes = modes_in(doc)
    header = ["iperf3 -R -u"] + [label_of(doc, m) for m in modes]
    rows = []
    for s in streams_in(doc):
        cells = [f"{s} stream{'s' if s > 1 else ''}"]
        for m in modes:
            e = summary_entry(doc, m, s)
            if e is None:
                cells.append("–")
                continue
            send, recv = median(e["sender_mbps"]), median(e["receiver_mbps"])
            cells.append(f"{fmt(send / 1000, 2)} Gbit/s (send), {fmt(recv / 1000, 2)} Gbit/s (recv)")
        rows.append(cells)
    return header, rows


def main_table(doc):
    """Every mode and stream count: throughput with spread, ratios, loss, CPU."""
    header = ["mode", "-P", "receiver Mbit/s", "sender Mbit/s", "× direct", "× null relay", "loss %",
              "tunnel CPU s", "machine busy %", "tunnel CPU s/GB", "machine CPU s/GB", "loss-free Mbit/s"]
    rows = []
    for s in streams_in(doc):
        for m in modes_in(doc):
            e = summary_entry(doc, m, s)
            if e is None:
                continue
            lf = loss_free_entry(doc, m, s)
            lf_text = "–"
            if lf and "error" not in lf:
                lf_text = fmt(lf.get("loss_free_offered_mbps")) + ("+" if lf.get("capped") else "")
            rows.append([
                label_of(doc, m), str(s),
                fmt_spread(e["receiver_mbps"]), fmt_spread(e["sender_mbps"]),
                fmt(e.get("ratio_to_direct"), 2), fmt(e.get("ratio_to_null_relay"), 2),
                fmt(median(e["loss_percent"]), 1),
                fmt(median(e["cpu_tunnel_s"]), 2), fmt(median(e["cpu_machine_busy_percent"]), 0),
                fmt(median(e["cpu_tunnel_s_per_gb"]), 2), fmt(median(e["cpu_machine_s_per_gb"]), 2),
                lf_text,
            ])
    return header, rows


def loss_table(doc):
    """Median datagrams lost per place, per mode and stream count."""
    header = ["mode", "-P", "lost (median)"] + [name for _, name in LOSS_PLACES]
    rows = []
    for s in streams_in(doc):
        for m in modes_in(doc):
            e = summary_entry(doc, m, s)
            if e is None:
                continue
            w = e.get("where_lost_median", {})
            rows.append([label_of(doc, m), str(s), fmt(w.get("missing"))] + [fmt(w.get(k)) for k, _ in LOSS_PLACES])
    return header, rows


def loss_free_table(doc):
    header = ["mode", "-P", "highest loss-free offered Mbit/s", "received there", "first lossy offered",
              "steps (offered: ok/x)"]
    rows = []
    for s in doc.get("loss_free", []):
        if "error" in s:
            rows.append([s.get("label", s.get("mode")), str(s.get("streams")), "failed", "–", "–", s["error"][:80]])
            continue
        steps = " ".join(f"{st['offered_mbps']}:{'ok' if st['loss_free'] else 'x'}" for st in s.get("steps", []))
        rows.append([s.get("label", s["mode"]), str(s["streams"]),
                     fmt(s.get("loss_free_offered_mbps")) + (" (cap)" if s.get("capped") else ""),
                     fmt(s.get("loss_free_received_mbps")), fmt(s.get("first_lossy_offered_mbps")), steps])
    return header, rows


def micro_table(doc):
    """Google Benchmark rows: name, time per iteration, throughput."""
    micro = doc.get("micro", {})
    if "benchmarks" not in micro:
        return ["micro-benchmarks"], [[micro.get("skipped", "not run")]]
    header = ["benchmark", "time per op", "CPU per op", "items/s", "bytes/s"]
    rows = []
    for b in micro["benchmarks"]:
        if b.get("run_type") == "aggregate":
            continue
        unit = b.get("time_unit", "ns")
        rows.append([b["name"], f"{b.get('real_time', 0):,.1f} {unit}", f"{b.get('cpu_time', 0):,.1f} {unit}",
                     fmt(b.get("items_per_second"), 0), human_bytes(b.get("bytes_per_second"))])
    return header, rows


def human_bytes(value):
    if value is None:
        return "–"
    for unit in ["B/s", "KiB/s", "MiB/s", "GiB/s"]:
        if value < 1024 or unit == "GiB/s":
            return f"{value:,.1f} {unit}"
        value /= 1024
    return "–"


def machine_facts(doc):
    m = doc.get("machine", {})
    facts = [
        ("cores", m.get("cores")), ("CPU", m.get("cpu_model")), ("kernel", m.get("kernel")), ("OS", m.get("os")),
        ("iperf3", f"{m.get('iperf3_full_version', m.get('iperf3_version'))}; single-threaded: "
                   f"{'yes' if m.get('iperf3_single_threaded') else 'no'}"),
        ("load before start (1/5/15 min)", " / ".join(str(x) for x in m.get("load_before", []))),
        ("veth MTU", m.get("veth_mtu")),
    ]
    for key, value in m.get("sysctl", {}).items():
        facts.append((key, value))
    for dev, feats in m.get("veth_offloads", {}).items():
        facts.append((f"offloads {dev}", ", ".join(f"{k} {v}" for k, v in feats.items())))
    return facts


def machine_facts_dict(doc):
    load = doc.get("machine", {}).get("load_before", [])
    return {"load_1": load[0]} if load else {}


def load_range(doc):
    """'3.1–8.4': the 1-minute load average seen before the trials (other work on the machine)."""
    loads = [r["load_before"] for r in doc.get("rows", []) if isinstance(r.get("load_before"), (int, float))]
    return f"{min(loads):.1f}–{max(loads):.1f}" if loads else "?"
