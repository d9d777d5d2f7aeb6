#!/usr/bin/env python3
"""Copies the figures of a discovery report.html into standalone SVG files for documents.

usage: scripts/report-figures.py out/discover/paper-pde/report.html docs/images/paper-pde

writes PREFIX-solution-N.svg (heatmap), PREFIX-residual-N.svg, PREFIX-surface-N.svg for every solution and
PREFIX-loss.svg (the loss of every run). The report lays out, per solution, heatmap, residual map and surface, then
the loss and energy charts.
"""
import re
import sys


def main(report: str, prefix: str) -> None:
    html = open(report, encoding="utf-8").read()
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    if len(svgs) < 5 or (len(svgs) - 2) % 3 != 0:
        sys.exit(f"{report}: expected 3 figures per solution and 2 charts, found {len(svgs)} SVG elements")
    solutions = (len(svgs) - 2) // 3
    for i in range(solutions):
        for j, kind in enumerate(["solution", "residual", "surface"]):
            write(f"{prefix}-{kind}-{i + 1}.svg", svgs[3 * i + j])
    write(f"{prefix}-loss.svg", svgs[-2])


def write(path: str, svg: str) -> None:
    if "xmlns=" not in svg[:200]:
        svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(svg + "\n")
    print(path)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
