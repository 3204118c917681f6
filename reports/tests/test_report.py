#!/usr/bin/python3
"""The report generator on a fixed bench JSON (fixture.json, a trimmed real quick run): every
output is written, the charts are PNGs, the HTML needs no other file, and the numbers in the
tables are the fixture's (expected values below were worked out by hand from fixture.json).

    /usr/bin/python3 reports/tests/test_report.py OUT_DIR      exit 0 pass, 1 fail, 77 no matplotlib
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATOR = os.path.join(HERE, "..", "phantasm_report.py")
FIXTURE = os.path.join(HERE, "fixture.json")
CHARTS = ["throughput.png", "ratio_to_direct.png", "cpu_per_gb.png", "loss_free.png", "loss_places.png",
          "micro.png"]

# (section, row key, column) -> text. Row keys are the first two cells (mode label, -P).
EXPECTED = {
    ("All numbers", ("direct UDP", "1"), "receiver Mbit/s"): "923",
    ("All numbers", ("direct UDP", "1"), "× direct"): "1.00",
    ("All numbers", ("direct UDP", "5"), "loss-free Mbit/s"): "200+",
    ("All numbers", ("null relay", "1"), "receiver Mbit/s"): "662",
    ("All numbers", ("null relay", "1"), "sender Mbit/s"): "982",
    ("All numbers", ("null relay", "1"), "× direct"): "0.72",
    ("All numbers", ("null relay", "1"), "loss %"): "32.3",
    ("All numbers", ("null relay", "1"), "tunnel CPU s/GB"): "6.77",
    ("All numbers", ("null relay", "1"), "machine CPU s/GB"): "24.96",
    ("All numbers", ("udp2raw", "5"), "receiver Mbit/s"): "504",
    ("All numbers", ("udp2raw", "5"), "× direct"): "0.45",
    ("All numbers", ("udp2raw", "5"), "× null relay"): "1.53",
    ("All numbers", ("udp2raw", "5"), "loss %"): "74.7",
    ("All numbers", ("udp2raw", "1"), "loss-free Mbit/s"): "100",
    ("Loss-free search", ("direct UDP", "5"), "highest loss-free offered Mbit/s"): "200 (cap)",
}
README_ROW_1 = ["1 stream", "1.00 Gbit/s (send), 0.92 Gbit/s (recv)", "0.98 Gbit/s (send), 0.66 Gbit/s (recv)",
                "0.96 Gbit/s (send), 0.21 Gbit/s (recv)"]


def tables(markdown):
    """{section title: (header, rows)} for every Markdown table."""
    out, section, lines = {}, None, markdown.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("## "):
            section = lines[i][3:].strip()
        elif lines[i].startswith("| ") and i + 1 < len(lines) and lines[i + 1].startswith("|---"):
            header = [c.strip() for c in lines[i].strip("|").split(" | ")]
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("| "):
                rows.append([c.strip() for c in lines[i].strip().strip("|").split(" | ")])
                i += 1
            out[section] = (header, rows)
            continue
        i += 1
    return out


def main(out_dir):
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print("SKIP: Debian's python3-matplotlib is not installed")
        return 77
    result = subprocess.run(["/usr/bin/python3", GENERATOR, FIXTURE, "--out", out_dir], capture_output=True, text=True)
    problems = []
    if result.returncode != 0:
        problems.append(f"generator exited {result.returncode}: {result.stderr}")
    for name in CHARTS + ["report.md", "report.html"]:
        path = os.path.join(out_dir, name)
        if not os.path.exists(path) or os.path.getsize(path) == 0:
            problems.append(f"{name} missing or empty")
        elif name.endswith(".png") and open(path, "rb").read(8) != b"\x89PNG\r\n\x1a\n":
            problems.append(f"{name} is not a PNG")
    if problems:
        return report(problems)
    md = open(os.path.join(out_dir, "report.md")).read()
    page = open(os.path.join(out_dir, "report.html")).read()
    if re.search(r'src="(?!data:)', page):
        problems.append("report.html refers to a file (it must be self-contained)")
    if page.count("data:image/png;base64,") != len(CHARTS):
        problems.append("report.html does not inline every chart")
    found = tables(md)
    for (section, key, column), want in EXPECTED.items():
        if section not in found:
            problems.append(f"no table in section {section!r}")
            continue
        header, rows = found[section]
        row = next((r for r in rows if tuple(r[:2]) == key), None)
        if row is None or column not in header:
            problems.append(f"{section}: no row {key} or column {column!r}")
            continue
        got = row[header.index(column)]
        if got != want and not got.startswith(want + " ["):
            problems.append(f"{section} {key} {column}: {got!r}, expected {want!r}")
    readme = found.get("Phantun README table, this machine")
    if not readme or readme[1][0] != README_ROW_1:
        problems.append(f"README-shaped table row 1: {readme[1][0] if readme else None}, expected {README_ROW_1}")
    for caveat in ["single-threaded", "per stream"]:
        if caveat not in md:
            problems.append(f"caveat about {caveat!r} missing")
    return report(problems)


def report(problems):
    for p in problems:
        print("FAIL:", p)
    if not problems:
        print("ok: report generator outputs and table numbers match the fixture")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "report-test-out"))
