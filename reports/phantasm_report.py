#!/usr/bin/python3
"""phantasm report: charts (PNG), one Markdown and one self-contained HTML file from the JSON
that `phantasm bench` wrote.

    /usr/bin/python3 reports/phantasm_report.py [BENCH_JSON] [--out DIR]

Run with Debian's /usr/bin/python3: it is the interpreter that sees python3-matplotlib.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import report_data as rd  # noqa: E402


def main(argv):
    parser = argparse.ArgumentParser(prog="phantasm report", description=__doc__.split("\n\n")[0])
    parser.add_argument("json", nargs="?", default="phantasm-bench.json", help="phantasm bench output")
    parser.add_argument("--out", default="phantasm-report", help="directory for the PNGs, report.md, report.html")
    args = parser.parse_args(argv)
    try:
        import report_charts
        import report_render
    except ImportError as e:
        print(f"phantasm report: {e}; install Debian's python3-matplotlib (scripts/install-deps.sh)",
              file=sys.stderr)
        return 77
    try:
        doc = rd.load(args.json)
    except (OSError, ValueError) as e:
        print(f"phantasm report: cannot read {args.json}: {e}", file=sys.stderr)
        return 2
    if not doc.get("summary"):
        print(f"phantasm report: {args.json} has no summary (not a phantasm bench result?)", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    charts = set()
    for name, draw in report_charts.ALL:
        if draw(doc, os.path.join(args.out, name)) is not False:
            charts.add(name)
    with open(os.path.join(args.out, "report.md"), "w") as f:
        f.write(report_render.markdown(doc, charts))
    with open(os.path.join(args.out, "report.html"), "w") as f:
        f.write(report_render.html_page(doc, charts, args.out))
    print(f"phantasm report: {len(charts)} charts, report.md and report.html in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
