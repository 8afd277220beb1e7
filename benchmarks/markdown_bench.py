"""Times the worst Markdown inputs found, per class, and the version diff of a 1,500-row
table with one cell changed; checks them against a fixed budget.

    .venv/bin/python benchmarks/markdown_bench.py [--repeat 3] [--no-before]

Each input is as long, with as many lines and Markdown marks, as the caps of
decisions.markdown let a field be (or just over, marked "refused"); the time
is that of rendering it as a save does (parse, render, sanitize), best of --repeat with
the cache emptied each time. An input over a cap is refused: its time is the time to
refuse it. Prints the worst time per class and overall, the diff time before (the old
word diff over the whole source, still in this file to compare) and after (the block
diff that a new version stores: cold, and with both texts parsed as at save), and
writes benchmarks/results/markdown.json. Exits 1 when a budget is missed. The machine
need not be idle: the figures are the process's CPU time.
"""

import argparse
import difflib
import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from decisions import markdown  # noqa: E402
from decisions.proposals import diff  # noqa: E402

# CPU time of this process: rendering is single-threaded and CPU-bound, and the CPU time
# holds on a shared machine where wall-clock time depends on the others' load.
CLOCK = time.process_time
RENDER_BUDGET_S = 0.5  # one save of the worst field, once; a page view renders nothing
DIFF_BUDGET_S = 1.0  # the diff of two versions, once, when the later one is made
N = markdown.MAX_CHARS


def fill(unit: str, prefix: str = "") -> str:
    """`unit` repeated as often as the caps allow: as long, with as many lines and as
    many marks as a field takes (past one cap it would only be refused)."""
    lines, marks = unit.count("\n"), sum(unit.count(m) for m in markdown._MARKS)
    times = (N - len(prefix)) // len(unit)
    if lines:
        times = min(times, (markdown.MAX_LINES - 1 - prefix.count("\n")) // lines)
    if marks:
        times = min(times, markdown.MAX_MARKS // marks)
    return prefix + unit * times


def nested(depth: int, marker: str) -> str:
    block = "".join("  " * level + marker + " punkt\n" for level in range(depth)) + "\n"
    return fill(block)


CLASSES = {
    "nesting (lists, quotes)": {
        "lists 8 deep, repeated": nested(markdown.MAX_DEPTH, "-"),
        "ordered lists 8 deep": fill("".join("   " * i + "1. punkt\n"
                                             for i in range(markdown.MAX_DEPTH)) + "\n"),
        "quotes 8 deep, repeated": fill(">" * markdown.MAX_DEPTH + " sitat\n\n"),
        "quotes 8 deep, one line each": fill(">" * markdown.MAX_DEPTH + " sitat " * 2 + "\n"),
        "lists 1000 deep (refused)": "".join("  " * i + "- a\n" for i in range(1000)),
        "quotes 50000 deep (refused)": ">" * N,
        "quote-list mix (refused)": "> - " * (N // 4),
        "lazy continuation": "> a\n" + fill("b c d e f g h i j k l m n o p\n"),
    },
    "emphasis runs": {
        "*a repeated": fill("*a "),
        "_a repeated": fill("_a "),
        "*a_ mixed": fill("*a_"),
        "**_ nested openers": fill("**_"),
        "~~ runs": fill("~~a"),
        "* alone": fill("*"),
        "escapes": fill("\\*"),
        "over the marks cap (refused)": "*a " * (N // 3),
    },
    "links": {
        "many links": fill("[a](b) "),
        "open brackets": fill("["),
        "image openers": fill("!["),
        "unclosed destinations": fill("[a]("),
        "nested brackets": "[" * 4_999 + "a" + "](b)" * 4_999,
        "reference definitions": fill("[l]: /u\n"),
        "autolink openers": fill("<http://a"),
        "html-like openers": fill("<a "),
    },
    "tables": {
        "rows to the line cap": "| a | b | c |\n|---|---|---|\n" + fill("| 1 | 2 | 3 |\n",
                                                                         prefix="\n\n"),
        "wide": "|" + "a|" * (N // 4 - 2) + "\n|" + "-|" * (N // 4 - 2) + "\n",
        "header-only tables": fill("| a |\n|---|\n\n"),
        "pipes": "|a|b|\n|-|-|\n" + "|" * (N - 12),
    },
    "backtick runs": {
        "growing runs": "".join("`" * i + " " for i in range(1, 140)),
        "single backticks": fill("` "),
        "mixed": fill("``a`"),
        "fences": fill("```\n"),
        "unclosed fence": "```\n" + fill("a b c d e f g h\n"),
    },
    "entity runs": {
        "named": fill("&amp;"),
        "unfinished hex": fill("&#x"),
        "huge numeric": fill("&#99999999;"),
        "unknown named": fill("&abcdefghijklmnopqrstuvwxyz;"),
    },
    "block runs": {
        "list items": fill("- a\n"),
        "headings": fill("# a\n"),
        "setext headings": fill("a\n=\n"),
        "thematic breaks": fill("***\n"),
        "blank lines": fill("\n"),
        "over the line cap (refused)": "- a\n" * 12_500,
    },
}


def render_once(text: str) -> tuple[float, bool]:
    markdown.parse.cache_clear()
    markdown._render.cache_clear()
    start = CLOCK()
    try:
        markdown.render_markdown(text)
        refused = False
    except markdown.TooComplex:
        refused = True
    return CLOCK() - start, refused


_TOKEN = re.compile(r"\s+|\S+\s*")


def old_word_diff(old: str, new: str) -> str:
    """The diff as it was before this benchmark: words of the whole source, quadratic."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        out.append("".join(b[j1:j2]) if op == "equal" else
                   f"<del>{''.join(a[i1:i2])}</del><ins>{''.join(b[j1:j2])}</ins>")
    return "".join(out)


def table(rows: int) -> str:
    return "| Nr | Kommune | Beløp |\n|---|---|---|\n" + "".join(
        f"| {i} | Kommune {i} | {i * 7} kr |\n" for i in range(rows))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-before", action="store_true",
                        help="skip the old diff (seconds to minutes)")
    args = parser.parse_args()

    results: dict = {"render": {}, "budget_s": RENDER_BUDGET_S,
                     "load_average": os.getloadavg()[0]}
    print(f"load average {os.getloadavg()[0]:.2f}; times are CPU seconds of this process")
    worst = (0.0, "")
    print(f"Markdown render, {N:,} characters per input, best of {args.repeat}")
    for cls, inputs in CLASSES.items():
        times = {}
        for name, text in inputs.items():
            runs = [render_once(text) for _ in range(args.repeat)]
            seconds, refused = min(r[0] for r in runs), runs[0][1]
            times[name] = {"s": round(seconds, 4), "refused": refused, "chars": len(text)}
        name = max(times, key=lambda n: times[n]["s"])
        print(f"  {cls:26s} worst {times[name]['s'] * 1000:8.1f} ms  ({name}"
              f"{', refused' if times[name]['refused'] else ''})")
        results["render"][cls] = times
        if times[name]["s"] > worst[0]:
            worst = (times[name]["s"], f"{cls}: {name}")
    print(f"  worst of all: {worst[0] * 1000:.1f} ms ({worst[1]}); budget "
          f"{RENDER_BUDGET_S * 1000:.0f} ms")
    results["worst_render_s"] = round(worst[0], 4)

    old = table(1500)
    new = old.replace("| 750 | Kommune 750 |", "| 750 | Kommune 7500 |")
    print(f"Version diff, 1,500-row table ({len(old):,} characters), one cell changed")
    markdown.parse.cache_clear()
    start = CLOCK()
    diff.diff_markdown(old, new)
    cold = CLOCK() - start
    markdown.parse(old)
    markdown.parse(new)
    start = CLOCK()
    diff.diff_markdown(old, new)
    warm = CLOCK() - start
    print(f"  after:  {cold * 1000:8.1f} ms (both texts parsed here), "
          f"{warm * 1000:.1f} ms (parsed at save, as when a version is made); "
          f"budget {DIFF_BUDGET_S * 1000:.0f} ms")
    results["diff_1500_rows"] = {"after_s": round(cold, 4), "after_parsed_s": round(warm, 4),
                                 "budget_s": DIFF_BUDGET_S}
    rows = markdown.MAX_LINES - 3
    scattered = tuple("| Nr | Sum |\n|---|---|\n" + "".join(
        f"| {i} | {i * 7 if i % 2 or not changed else i * 8} |\n" for i in range(rows))
        for changed in (False, True))
    assert max(map(len, scattered)) <= markdown.MAX_CHARS
    markdown.parse.cache_clear()
    start = CLOCK()
    diff.diff_markdown(*scattered)
    worst_diff = CLOCK() - start
    print(f"  worst found: {worst_diff * 1000:8.1f} ms ({rows:,}-row table, every other row "
          f"changed: past the work budget, shown as rows removed and added)")
    results["diff_worst"] = {"s": round(worst_diff, 4), "rows": rows}
    if not args.no_before:
        start = CLOCK()
        old_word_diff(old, new)
        before = CLOCK() - start
        print(f"  before: {before * 1000:8.1f} ms (word diff of the whole source, on every "
              f"view of the round page)")
        results["diff_1500_rows"]["before_s"] = round(before, 4)

    out = Path(__file__).resolve().parent / "results" / "markdown.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    missed = worst[0] > RENDER_BUDGET_S or max(cold, worst_diff) > DIFF_BUDGET_S
    print("budgets " + ("MISSED" if missed else "met"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
