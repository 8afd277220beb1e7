"""A word-level diff of two texts, as HTML with <ins> and <del>."""

import difflib
import re

from markupsafe import Markup, escape

# A word with the spaces after it: a reworded phrase then reads as one deletion and
# one insertion, not as alternating single words around unchanged spaces.
_TOKEN = re.compile(r"\s+|\S+\s*")


def word_diff(old: str, new: str) -> Markup:
    a, b = _TOKEN.findall(old or ""), _TOKEN.findall(new or "")
    parts: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            parts.append(Markup("<del>%s</del>") % "".join(a[i1:i2]))
        if op in ("insert", "replace"):
            parts.append(Markup("<ins>%s</ins>") % "".join(b[j1:j2]))
    return Markup("").join(parts)
