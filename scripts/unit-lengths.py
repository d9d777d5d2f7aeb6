#!/usr/bin/env python3
"""List units in src/ over the size limits of issue 12: files over 400 lines, functions over 80 lines.

F#: a function runs from its `let`/`member` line to the next non-blank line at the same or lower
indentation (blank lines and comments count). C#: a method, constructor or property runs from its
declaration line to its closing brace (or, for `=>` bodies, to the next non-blank line at the same or
lower indentation). Usage: scripts/unit-lengths.py [--all] [ROOT]   (--all: also list the SIMD kernels'
units in src/Ecd.Core.CSharp/Engine, which the rule exempts). Exit code 1 when a unit outside the
exemption is over a limit."""
import os, re, sys

FILE_LIMIT, FUNCTION_LIMIT = 400, 80
SIMD_EXEMPT = os.path.join("src", "Ecd.Core.CSharp", "Engine") + os.sep

FS_UNIT = re.compile(
    r"^(\s*)(?:\[<[^>]*>\]\s*)?(?:let(?:\s+(?:rec|inline|private|internal|mutable))*|and|"
    r"(?:static\s+|override\s+|default\s+|abstract\s+)*member(?:\s+(?:inline|private|internal|val))*|"
    r"override|new)\s+(?:\(|``)?([A-Za-z_][\w'.]*)")
CS_MODIFIER = r"(?:public|private|internal|protected|static|override|virtual|abstract|sealed|unsafe|readonly|async|extern|new|partial)"
CS_UNIT = re.compile(r"^(\s*)(?:\[[^\]]*\]\s*)*(?:" + CS_MODIFIER + r"\s+)+[^=;(]*?([A-Za-z_]\w*)\s*(?:<[^()]*>)?\s*(\(|\{|=>|$)")
CS_NOT_UNIT = re.compile(r"^\s*(?:" + CS_MODIFIER + r"\s+)*(?:class|struct|interface|enum|record|delegate|namespace|const|event)\b")


def indent(line):
    return len(line) - len(line.lstrip(" "))


def next_outdent(lines, i, ind, skip_braces=False):
    j = i + 1
    while j < len(lines):
        s = lines[j].strip()
        if s and indent(lines[j]) <= ind and not (skip_braces and s == "{"):
            return j
        j += 1
    return len(lines)


def fs_units(lines):
    in_block_comment = False
    for i, line in enumerate(lines):
        s = line.strip()
        if "(*" in s and "*)" not in s:
            in_block_comment = True
        if in_block_comment:
            if "*)" in s:
                in_block_comment = False
            continue
        m = FS_UNIT.match(line)
        if not m or s.startswith("abstract ") or " abstract " in s.split("=")[0] and "default" not in s:
            continue
        if re.match(r"^\s*(?:static\s+)?member\s+val\b", line):
            continue
        ind = len(m.group(1))
        yield m.group(2), i, next_outdent(lines, i, ind) - i


def cs_units(lines):
    for i, line in enumerate(lines):
        if CS_NOT_UNIT.match(line) or line.rstrip().endswith(";"):
            continue
        m = CS_UNIT.match(line)
        if not m:
            continue
        ind = len(m.group(1))
        j = next_outdent(lines, i, ind, skip_braces=True)
        if j < len(lines) and lines[j].strip().startswith("}"):
            j += 1  # the closing brace belongs to the unit
        yield m.group(2), i, j - i


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    show_all = "--all" in sys.argv
    root = args[0] if args else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    os.chdir(root)
    failed = False
    rows = []
    for d, _, files in os.walk("src"):
        if os.sep + "bin" in d or os.sep + "obj" in d:
            continue
        for f in sorted(files):
            if not f.endswith((".fs", ".cs")):
                continue
            path = os.path.join(d, f)
            exempt = path.startswith(SIMD_EXEMPT)
            if exempt and not show_all:
                continue
            with open(path, encoding="utf-8") as h:
                lines = h.read().split("\n")
            if lines and lines[-1] == "":
                lines.pop()
            units = fs_units(lines) if f.endswith(".fs") else cs_units(lines)
            if len(lines) > FILE_LIMIT:
                rows.append((len(lines), path, "(file)", exempt))
            for name, i, n in units:
                if n > FUNCTION_LIMIT:
                    rows.append((n, f"{path}:{i + 1}", name, exempt))
    for n, where, name, exempt in sorted(rows, key=lambda r: (r[3], r[1])):
        note = "  [SIMD kernel, exempt]" if exempt else ""
        print(f"{n:5d}  {where}  {name}{note}")
        failed = failed or not exempt
    if not rows:
        print(f"no file over {FILE_LIMIT} lines, no function over {FUNCTION_LIMIT} lines")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
