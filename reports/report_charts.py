"""The PNG charts of a bench report (matplotlib, Agg backend: no display needed)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import report_data as rd  # noqa: E402

# One colour per mode in every chart, so a reader learns them once.
COLORS = {"direct": "#8c8c8c", "null-relay": "#9ecae1", "phantasm": "#1f5fa8", "udp2raw": "#e6842a",
          "phantun": "#c0392b"}
DPI = 130


def _color(mode):
    return COLORS.get(mode, "#6a51a3")


def _style(ax, title, ylabel):
    ax.set_title(title, fontsize=13, loc="left", pad=12)
    ax.set_ylabel(ylabel, fontsize=11)
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _grouped(doc, value_of, ax, label_of=None, errors_of=None):
    """Bars grouped by stream count, one bar per mode; returns nothing, draws on ax."""
    modes, streams = rd.modes_in(doc), rd.streams_in(doc)
    width = 0.8 / max(1, len(modes))
    top = 0
    for i, mode in enumerate(modes):
        xs, heights, lower, upper, texts = [], [], [], [], []
        for g, s in enumerate(streams):
            e = rd.summary_entry(doc, mode, s)
            v = value_of(e, mode, s)
            if v is None:
                continue
            xs.append(g + (i - (len(modes) - 1) / 2) * width)
            heights.append(v)
            lo, hi = errors_of(e) if errors_of and e is not None else (v, v)
            lower.append(max(0, v - lo))
            upper.append(max(0, hi - v))
            texts.append(label_of(e, v) if label_of else rd.fmt(v))
            top = max(top, hi)
        if not xs:
            continue
        bars = ax.bar(xs, heights, width * 0.92, color=_color(mode), label=rd.label_of(doc, mode),
                      yerr=[lower, upper] if errors_of else None, capsize=3, ecolor="#333333",
                      error_kw={"linewidth": 0.9})
        for bar, text, up in zip(bars, texts, upper):
            ax.annotate(text, (bar.get_x() + bar.get_width() / 2, bar.get_height() + up),
                        xytext=(0, 3), textcoords="offset points", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(streams)))
    ax.set_xticklabels([f"-P {s}" for s in streams], fontsize=11)
    ax.set_ylim(0, top * 1.18 if top > 0 else 1)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=10)


def throughput(doc, path):
    fig, ax = plt.subplots(figsize=(10, 5.2))

    def value(e, mode, s):
        return rd.median(e["receiver_mbps"]) if e else None

    def spread(e):
        r = e["receiver_mbps"]
        return r["min"], r["max"]

    def label(e, v):
        ratio = e.get("ratio_to_direct")
        return f"{v:,.0f}\n×{ratio:.2f}" if ratio is not None and e["mode"] != "direct" else f"{v:,.0f}"

    _grouped(doc, value, ax, label, spread)
    opts = doc.get("options", {})
    _style(ax, f"Receiver throughput (median of {opts.get('repetitions', '?')}, bars: min–max; "
               f"×: ratio to direct)", "Mbit/s received")
    fig.text(0.01, 0.01, f"iperf3 -R -u -l {opts.get('length', 1400)} -b {opts.get('rate_per_stream', '?')} "
                         f"-t {opts.get('seconds', '?')} per stream; client ns – NAT router ns – server ns",
             fontsize=8, color="#555555")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def ratio(doc, path):
    fig, ax = plt.subplots(figsize=(10, 5))

    def value(e, mode, s):
        return e.get("ratio_to_direct") if e else None

    def spread(e):
        r = e.get("ratio_to_direct_per_rep", {})
        v = e.get("ratio_to_direct")
        return (r.get("min") if r.get("min") is not None else v), (r.get("max") if r.get("max") is not None else v)

    _grouped(doc, value, ax, lambda e, v: f"{v:.2f}", spread)
    ax.axhline(1.0, color="#555555", linewidth=0.8, linestyle="--")
    _style(ax, "Receiver throughput as a ratio to direct UDP in the same run (bars: per-repetition range)",
           "× direct")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def cpu_per_gb(doc, path):
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5))

    def tunnel(e, mode, s):
        return rd.median(e["cpu_tunnel_s_per_gb"]) if e and mode != "direct" else None

    def machine(e, mode, s):
        return rd.median(e["cpu_machine_s_per_gb"]) if e else None

    def fmt2(e, v):
        return f"{v:.1f}"

    _grouped(doc, tunnel, left, fmt2)
    _style(left, "Tunnel processes (both ends)", "CPU seconds per GB received")
    left.get_legend().remove()
    _grouped(doc, machine, right, fmt2)
    _style(right, "Whole machine (incl. iperf3, softirq, NAT)", "CPU seconds per GB received")
    fig.suptitle("CPU cost per gigabyte delivered (medians; lower is better)", fontsize=13, x=0.01, ha="left")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def loss_free(doc, path):
    fig, ax = plt.subplots(figsize=(10, 5))

    def value(e, mode, s):
        lf = rd.loss_free_entry(doc, mode, s)
        if not lf or "error" in lf:
            return None
        return lf.get("loss_free_offered_mbps")

    def label(e, v):
        return f"{v:,.0f}"

    _grouped(doc, value, ax, label)
    opts = doc.get("options", {})
    limit = opts.get("loss_free_max_percent", 0)
    _style(ax, f"Highest loss-free offered rate (loss ≤ {limit} %, {opts.get('search_seconds', '?')} s steps, "
               f"cap {opts.get('search_max_mbit', '?')})", "Mbit/s offered, all streams")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def loss_places(doc, path):
    """Stacked bars: where the lost datagrams were dropped, per mode, one panel per -P."""
    streams = rd.streams_in(doc)
    modes = rd.modes_in(doc)
    fig, axes = plt.subplots(1, len(streams), figsize=(6 * len(streams) + 2, 5), squeeze=False)
    cmap = plt.get_cmap("tab10")
    for ax, s in zip(axes[0], streams):
        bottoms = [0.0] * len(modes)
        for k, (key, name) in enumerate(rd.LOSS_PLACES):
            values = []
            for m in modes:
                e = rd.summary_entry(doc, m, s)
                v = e.get("where_lost_median", {}).get(key) if e else None
                values.append((v or 0) / 1000.0)
            if not any(values):
                continue
            ax.bar(range(len(modes)), values, 0.6, bottom=bottoms, color=cmap(k), label=name)
            bottoms = [b + v for b, v in zip(bottoms, values)]
        ax.set_xticks(range(len(modes)))
        ax.set_xticklabels([rd.label_of(doc, m) for m in modes], rotation=20, ha="right", fontsize=10)
        _style(ax, f"-P {s}", "thousand datagrams lost (median)")
    handles, labels = {}, {}
    for ax in axes[0]:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    fig.legend(list(handles.values()), list(handles.keys()), loc="upper left", bbox_to_anchor=(0.0, 0.0),
               ncol=2, frameon=False, fontsize=9)
    fig.suptitle("Where the datagrams were lost (kernel counters per namespace)", fontsize=13, x=0.01, ha="left")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)


def micro(doc, path):
    m = doc.get("micro", {})
    rows = [b for b in m.get("benchmarks", []) if b.get("run_type") != "aggregate" and b.get("items_per_second")]
    if not rows:
        return False
    fig, ax = plt.subplots(figsize=(10, 0.32 * len(rows) + 1.5))
    names = [b["name"] for b in rows]
    values = [b["items_per_second"] / 1e6 for b in rows]
    ax.barh(range(len(rows)), values, color="#1f5fa8")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(names, fontsize=8)
    ax.invert_yaxis()
    for i, v in enumerate(values):
        ax.annotate(f"{v:,.2f}", (v, i), xytext=(3, 0), textcoords="offset points", va="center", fontsize=7)
    ax.set_xlabel("million items per second per core", fontsize=10)
    ax.set_title("Micro-benchmarks (Google Benchmark, one core, no I/O)", fontsize=12, loc="left")
    ax.grid(axis="x", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return True


ALL = [("throughput.png", throughput), ("ratio_to_direct.png", ratio), ("cpu_per_gb.png", cpu_per_gb),
       ("loss_free.png", loss_free), ("loss_places.png", loss_places), ("micro.png", micro)]
