"""What changed between two texts, as rendered, sanitized HTML with <ins> and <del>.

Computed once, when a version is made, and stored (VersionDiff); a page only reads it.
The cost is bounded whatever the texts: the blocks of the Markdown (paragraphs, headings,
table rows, list items) are compared first, words only inside a changed block, and each
comparison strips the common start and end (a revision mostly changes a little of a long
text: linear) and runs Myers' O((N+M)·D) on the rest only while a work budget lasts.
Past the budget, what is left is shown as removed and added whole.
"""

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup, escape

from decisions.markdown import (
    ALLOWED_TAGS,
    MAX_CHARS,
    parse,
    render_inline,
    render_or_escape,
    render_tokens,
    sanitize,
)

# Steps of Myers' algorithm (well under a microsecond each) one diff of two versions may
# take in all, and one pair of blocks compared word by word. The steps grow with the
# square of the edits: 200,000 let about 600 blocks change before the rest is shown
# removed and added whole.
WORK_BUDGET = 200_000
PAIR_BUDGET = 50_000

# A word with the spaces after it, or a tag: a reworded phrase reads as one deletion and
# one insertion, not as alternating single words around unchanged spaces.
_TOKEN = re.compile(r"<[^>]*>|\s+|[^<\s]+\s*")


class _Budget:
    def __init__(self, steps: int):
        self.steps = steps

    def take(self, limit: int) -> int:
        """At most `limit` steps for one comparison, out of what is left."""
        return min(limit, self.steps)


def _opcodes(a: list, b: list, budget: _Budget, limit: int) -> list[tuple]:
    """difflib-style opcodes; a rest too costly to compare becomes one ("rest", ...)."""
    n, m = len(a), len(b)
    p = 0
    while p < n and p < m and a[p] == b[p]:
        p += 1
    s = 0
    while s < n - p and s < m - p and a[n - 1 - s] == b[m - 1 - s]:
        s += 1
    ops: list[tuple] = [("equal", 0, p, 0, p)] if p else []
    middle = _myers(a[p:n - s], b[p:m - s], budget, limit)
    if middle is None:
        ops.append(("rest", p, n - s, p, m - s))
    else:
        ops += [(op, i1 + p, i2 + p, j1 + p, j2 + p) for op, i1, i2, j1, j2 in middle]
    if s:
        ops.append(("equal", n - s, n, m - s, m))
    return ops


def _myers(a: list, b: list, budget: _Budget, limit: int) -> list[tuple] | None:
    n, m = len(a), len(b)
    if not n or not m:
        return [("delete", 0, n, 0, 0)] if n else ([("insert", 0, 0, 0, m)] if m else [])
    allowed = budget.take(limit)
    offset = n + m + 1
    v = [0] * (2 * offset + 1)  # v[offset + k]: the furthest x on diagonal k
    trace = []  # per d, v[k] for k in -d-1 .. d+1, for the way back
    work = 0
    for d in range(n + m + 1):
        trace.append(v[offset - d - 1:offset + d + 2])
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and v[offset + k - 1] < v[offset + k + 1]):
                x = v[offset + k + 1]
            else:
                x = v[offset + k - 1] + 1
            y = x - k
            start = x
            while x < n and y < m and a[x] == b[y]:
                x, y = x + 1, y + 1
            v[offset + k] = x
            work += 1 + x - start
            if x >= n and y >= m:
                budget.steps -= work
                return _script(trace, n, m)
        if work > allowed:
            budget.steps -= work
            return None
    return None  # not reached: d = n + m always ends


def _script(trace: list[list], x: int, y: int) -> list[tuple]:
    moves: list[tuple[str, int, int]] = []  # backwards: ("equal"|"delete"|"insert", i, j)
    for d in range(len(trace) - 1, -1, -1):
        v, base = trace[d], d + 1  # v[base + k] is the x of diagonal k
        k = x - y
        if k == -d or (k != d and v[base + k - 1] < v[base + k + 1]):
            prev_k = k + 1
        else:
            prev_k = k - 1
        prev_x = v[base + prev_k]
        prev_y = prev_x - prev_k
        while x > prev_x and y > prev_y:
            x, y = x - 1, y - 1
            moves.append(("equal", x, y))
        if d:
            moves.append(("insert", x, prev_y) if x == prev_x else ("delete", prev_x, y))
        x, y = prev_x, prev_y
    ops: list[list] = []
    for kind, i, j in reversed(moves):
        di, dj = (kind != "insert"), (kind != "delete")
        tag = kind if kind == "equal" else "change"
        if ops and ops[-1][0] == tag:
            ops[-1][2] += di
            ops[-1][4] += dj
        else:
            ops.append([tag, i, i + di, j, j + dj])
    return [("equal" if t == "equal" else "replace" if i1 < i2 and j1 < j2
             else "delete" if i1 < i2 else "insert", i1, i2, j1, j2)
            for t, i1, i2, j1, j2 in ops]


# --- words ---------------------------------------------------------------------------

def _wrap(tag: str, tokens: list[str], keep_tags: bool) -> str:
    """Text runs wrapped in <tag>; the tags of the markup kept (inserted side) or left
    out (removed side), so the result has the new text's structure and stays balanced."""
    out, run = [], []
    for token in tokens:
        if token.startswith("<"):
            if run:
                out.append(f"<{tag}>{''.join(run)}</{tag}>")
                run = []
            if keep_tags:
                out.append(token)
        else:
            run.append(token)
    if run:
        out.append(f"<{tag}>{''.join(run)}</{tag}>")
    return "".join(out)


def _words(old: str, new: str, budget: _Budget) -> str | None:
    """Inline HTML with the changed words marked; None when too costly to compare."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    ops = _opcodes(a, b, budget, PAIR_BUDGET)
    if any(op[0] == "rest" for op in ops):
        return None
    parts = []
    for op, i1, i2, j1, j2 in ops:
        if op == "equal":
            parts.append("".join(b[j1:j2]))
            continue
        parts.append(_wrap("del", a[i1:i2], keep_tags=False))
        parts.append(_wrap("ins", b[j1:j2], keep_tags=True))
    return "".join(parts)


# --- blocks ----------------------------------------------------------------------------

@dataclass
class _Leaf:
    """A paragraph, heading, cell or one-paragraph list item: compared word by word."""
    open: str
    inline: str
    close: str

    def whole(self) -> str:
        return self.open + self.inline + self.close

    def marked(self, tag: str) -> str:
        return f"{self.open}<{tag}>{self.inline}</{tag}>{self.close}"


@dataclass
class _Block:
    key: str
    html: str
    kind: str = "block"  # "leaf", "table", "list" or any other block
    leaf: _Leaf | None = None
    open: str = ""  # a list's or table's opening tags
    close: str = ""
    inner: str = ""  # a list item's content, without <li>
    units: list["_Block"] = field(default_factory=list)  # a list's items, a table's rows
    cells: list[_Leaf] = field(default_factory=list)  # a table row's cells
    head: bool = False  # a table row of the header


def _render(tokens, env) -> str:
    return render_tokens(tokens, env)


def _tag(tokens, env) -> str:
    """An opening or closing tag alone (markdown-it ends a lone block tag with a line)."""
    return render_tokens(tokens, env).rstrip("\n")


_inline = render_inline


def _leaf(tokens, env) -> _Leaf | None:
    """The three tokens of a paragraph or heading as a leaf, else None."""
    if len(tokens) == 3 and tokens[1].type == "inline":
        return _Leaf(_tag(tokens[:1], env), _inline(tokens[1], env), _render(tokens[2:], env))
    return None


def _children(tokens, level: int) -> list[tuple[int, int]]:
    """The [start, end) ranges of the tokens that open and close at `level`."""
    ranges, start = [], None
    for i, token in enumerate(tokens):
        if token.level != level:
            continue
        if token.nesting == 1:
            start = i
        elif token.nesting == -1:
            ranges.append((start, i + 1))
        else:
            ranges.append((i, i + 1))
    return ranges


def _table(tokens, env) -> _Block:
    rows = []
    for i, token in enumerate(tokens):
        if token.type != "tr_open":
            continue
        end = next(j for j in range(i, len(tokens)) if tokens[j].type == "tr_close")
        # A cell's alignment is a style attribute, which the sanitizer removes anyway.
        cells = [_Leaf(f"<{tokens[j - 1].tag}>", _inline(tokens[j], env),
                       f"</{tokens[j - 1].tag}>")
                 for j in range(i + 1, end) if tokens[j].type == "inline"]
        head = tokens[i - 1].type == "thead_open"
        row = "<tr>" + "".join(c.whole() for c in cells) + "</tr>\n"
        rows.append(_Block(key=("h" if head else "b") + "\x1f".join(
            t.content for t in tokens[i:end] if t.type == "inline"), html=row, kind="row",
            cells=cells, head=head))
    head = "".join(r.html for r in rows if r.head)
    body = "".join(r.html for r in rows if not r.head)
    html = "<table>\n<thead>\n" + head + "</thead>\n"
    html += ("<tbody>\n" + body + "</tbody>\n" if body else "") + "</table>\n"
    return _Block(key="", html=html, kind="table", units=rows)


def _list(tokens, env, source: list[str]) -> _Block:
    items = []
    for start, end in _children(tokens, tokens[0].level + 1):
        inner = tokens[start + 1:end - 1]
        first, last = tokens[start].map or (0, 0)
        items.append(_Block(key="\n".join(source[first:last]),
                            html=_render(tokens[start:end], env), inner=_render(inner, env),
                            kind="item", leaf=_leaf(inner, env)))
    return _Block(key="", html=_render(tokens, env), kind="list",
                  open=_render(tokens[:1], env), close=_render(tokens[-1:], env), units=items)


def blocks(text: str) -> list[_Block]:
    tokens, env = parse(text or "")
    source = (text or "").splitlines()
    out = []
    for start, end in _children(tokens, 0):
        part = tokens[start:end]
        first, last = part[0].map or (0, 0)
        key = "\n".join(source[first:last])
        if part[0].type == "table_open":
            block = _table(part, env)
        elif part[0].type in ("bullet_list_open", "ordered_list_open"):
            block = _list(part, env, source)
        else:
            leaf = _leaf(part, env)
            block = _Block(key=key, html=_render(part, env), kind="leaf" if leaf else "block",
                           leaf=leaf)
        block.key = part[0].type + "\x1e" + key
        out.append(block)
    return out


def _removed(block: _Block) -> str:
    if block.kind == "row":
        return "<tr>" + "".join(c.marked("del") for c in block.cells) + "</tr>\n"
    if block.kind == "item":
        return f"<li><del>{block.inner}</del></li>"
    return f"<del>{block.html}</del>"


def _added(block: _Block) -> str:
    if block.kind == "row":
        return "<tr>" + "".join(c.marked("ins") for c in block.cells) + "</tr>\n"
    if block.kind == "item":
        return f"<li><ins>{block.inner}</ins></li>"
    return f"<ins>{block.html}</ins>"


def _changed(old: _Block, new: _Block, budget: _Budget) -> str | None:
    """One block changed into one of its kind, marked inside; None if not comparable."""
    if old.kind == "leaf" and new.kind == "leaf" and old.leaf.open == new.leaf.open:
        words = _words(old.leaf.inline, new.leaf.inline, budget)
        return None if words is None else new.leaf.open + words + new.leaf.close
    if old.kind == "item" and new.kind == "item":
        if old.leaf and new.leaf and old.leaf.open == new.leaf.open:
            words = _words(old.leaf.inline, new.leaf.inline, budget)
            if words is not None:
                return f"<li>{new.leaf.open}{words}{new.leaf.close}</li>"
        return f"<li><del>{old.inner}</del><ins>{new.inner}</ins></li>"
    if old.kind == "row" and new.kind == "row" and len(old.cells) == len(new.cells) \
            and old.head == new.head:
        cells = []
        for a, b in zip(old.cells, new.cells, strict=True):
            words = b.inline if a.inline == b.inline else _words(a.inline, b.inline, budget)
            if words is None:
                return None
            cells.append(b.open + words + b.close)
        return "<tr>" + "".join(cells) + "</tr>\n"
    if old.kind == "list" and new.kind == "list" and old.open == new.open:
        return new.open + _sequence(old.units, new.units, budget) + new.close
    if old.kind == "table" and new.kind == "table" \
            and len(old.units[0].cells) == len(new.units[0].cells):
        def rows(block: _Block, head: bool) -> list[_Block]:
            return [u for u in block.units if u.head == head]
        html = "<table>\n<thead>\n" + _sequence(rows(old, True), rows(new, True), budget)
        html += "</thead>\n"
        if rows(old, False) or rows(new, False):
            html += "<tbody>\n" + _sequence(rows(old, False), rows(new, False), budget)
            html += "</tbody>\n"
        return html + "</table>\n"
    return None


def _sequence(old: list[_Block], new: list[_Block], budget: _Budget) -> str:
    parts = []
    for op, i1, i2, j1, j2 in _opcodes([b.key for b in old], [b.key for b in new],
                                       budget, WORK_BUDGET):
        if op == "equal":
            parts += [b.html for b in new[j1:j2]]
            continue
        removed, added = old[i1:i2], new[j1:j2]
        if op == "replace":
            for k in range(max(len(removed), len(added))):
                a = removed[k] if k < len(removed) else None
                b = added[k] if k < len(added) else None
                both = _changed(a, b, budget) if a and b else None
                if both is not None:
                    parts.append(both)
                    continue
                if a:
                    parts.append(_removed(a))
                if b:
                    parts.append(_added(b))
            continue
        parts += [_removed(b) for b in removed] + [_added(b) for b in added]
    return "".join(parts)


_DIFF_TAGS = ALLOWED_TAGS | {"ins", "del"}


def diff_markdown(old: str, new: str) -> str:
    """The new text rendered, with what was removed and added since the old marked."""
    if old == new:
        return str(render_or_escape(new))
    if len(old or "") > MAX_CHARS or len(new or "") > MAX_CHARS:  # saved before the caps
        return f"<del>{render_or_escape(old)}</del><ins>{render_or_escape(new)}</ins>"
    budget = _Budget(WORK_BUDGET)
    return sanitize(_sequence(blocks(old), blocks(new), budget), tags=_DIFF_TAGS)


def diff_plain(old: str, new: str) -> str:
    """A one-line text (a title), its words compared."""
    words = _words(str(escape(old or "")), str(escape(new or "")), _Budget(PAIR_BUDGET))
    if words is None:
        words = f"<del>{escape(old or '')}</del><ins>{escape(new or '')}</ins>"
    return sanitize(words, tags={"ins", "del"})


def announced(html: str) -> Markup:
    """Stored diff HTML with each mark named in the reader's language: a screen reader
    reads <ins> and <del> as plain text, and CSS-generated content is not reliably read."""
    opening = {"ins": _("Added text:"), "del": _("Removed text:")}
    closing = {"ins": _("End of added text."), "del": _("End of removed text.")}
    out = str(html)
    for tag in ("ins", "del"):
        out = out.replace(f"<{tag}>", f'<{tag}><span class="ds-sr-only">'
                                      f'{escape(opening[tag])} </span>')
        out = out.replace(f"</{tag}>", f'<span class="ds-sr-only"> '
                                       f'{escape(closing[tag])}</span></{tag}>')
    return Markup(out)  # noqa: S704 - stored sanitized; only our own spans are added


def compare(old, new) -> dict[str, str]:
    """The stored form of what changed from one version (or text) to another."""
    if old is new:  # a round that reissued the same version: nothing changed
        return {"title_html": str(escape(new.title)), "background_html": new.background_html,
                "resolution_html": new.resolution_html}
    return {"title_html": diff_plain(old.title, new.title),
            "background_html": diff_markdown(old.background, new.background),
            "resolution_html": diff_markdown(old.resolution, new.resolution)}

