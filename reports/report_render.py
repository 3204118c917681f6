"""Markdown and self-contained HTML (charts inlined as base64) from the report's tables."""
import base64
import html
import os

import report_data as rd


def md_table(header, rows):
    def cell(text):
        return str(text).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def html_table(header, rows):
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def sections(doc, charts):
    """The report as (title, kind, payload) parts shared by both renderers."""
    opts = doc.get("options", {})
    parts = [
        ("What was measured", "text",
         f"iperf3 in UDP mode through each mode, {opts.get('repetitions')} repetition(s) of {opts.get('seconds')} s "
         f"with the modes interleaved in every repetition, medians with [min–max]. Run {doc.get('started')} – "
         f"{doc.get('finished')}." + (f" iperf3 and the tunnels ran under nice {opts['nice']}." if opts.get("nice") else "")
         + f" Machine load (1 min) before the run: {rd.machine_facts_dict(doc).get('load_1', '?')}; before each "
         f"trial: {rd.load_range(doc)}."),
        ("Phantun README table, this machine", "table", rd.readme_table(doc)),
        ("Receiver throughput", "image", "throughput.png"),
        ("All numbers", "table", rd.main_table(doc)),
        ("Ratio to direct", "image", "ratio_to_direct.png"),
        ("CPU per gigabyte", "image", "cpu_per_gb.png"),
        ("Highest loss-free rate", "image", "loss_free.png"),
        ("Loss-free search", "table", rd.loss_free_table(doc)),
        ("Where datagrams were lost", "image", "loss_places.png"),
        ("Where datagrams were lost (median counts)", "table", rd.loss_table(doc)),
        ("Micro-benchmarks", "image", "micro.png"),
        ("Micro-benchmark numbers", "table", rd.micro_table(doc)),
        ("Machine", "table", (["fact", "value"], [[k, "–" if v is None else str(v)] for k, v in rd.machine_facts(doc)])),
        ("Commands", "code", commands_text(doc)),
        ("Caveats", "list", doc.get("caveats", [])),
    ]
    return [p for p in parts if p[1] != "image" or p[2] in charts]


def commands_text(doc):
    lines = []
    for name, c in doc.get("commands", {}).items():
        if isinstance(c, str):
            lines.append(f"{name}: {c}")
            continue
        if c.get("client"):
            lines.append(f"{name} client: {c['client']}")
            lines.append(f"{name} server: {c['server']}")
        for where, script in c.get("nft", {}).items():
            lines.append(f"{name} nft ({where}):")
            lines += ["    " + line for line in script.rstrip().splitlines()]
    micro = doc.get("micro", {})
    if "command" in micro:
        lines.append(f"micro-benchmarks: {micro['command']}")
    return "\n".join(lines)


def markdown(doc, charts):
    out = ["# Phantasm throughput report", ""]
    for title, kind, payload in sections(doc, charts):
        out.append(f"## {title}")
        out.append("")
        if kind == "text":
            out.append(payload)
        elif kind == "table":
            out.append(md_table(*payload))
        elif kind == "image":
            out.append(f"![{title}]({payload})")
        elif kind == "code":
            out += ["```", payload, "```"]
        elif kind == "list":
            out += [f"- {item}" for item in payload]
        out.append("")
    return "\n".join(out)


STYLE = """
body { font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1200px;
       color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th { background: #f2f2f2; } td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; } pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.8em; }
"""


def html_page(doc, charts, out_dir):
    body = ["<h1>Phantasm throughput report</h1>"]
    for title, kind, payload in sections(doc, charts):
        body.append(f"<h2>{html.escape(title)}</h2>")
        if kind == "text":
            body.append(f"<p>{html.escape(payload)}</p>")
        elif kind == "table":
            body.append(html_table(*payload))
        elif kind == "image":
            with open(os.path.join(out_dir, payload), "rb") as f:
                data = base64.b64encode(f.read()).decode()
            body.append(f'<img alt="{html.escape(title)}" src="data:image/png;base64,{data}">')
        elif kind == "code":
            body.append(f"<pre>{html.escape(payload)}</pre>")
        elif kind == "list":
            body.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in payload) + "</ul>")
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Phantasm throughput report</title>"
            f"<style>{STYLE}</style></head><body>" + "\n".join(body) + "</body></html>\n")
