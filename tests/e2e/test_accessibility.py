"""Universal design in a real browser: axe-core (vendored in tests/e2e/vendor/, for the
tests only) runs in Debian's chromium on every page of the demo data, as every role, in
bokmål and English, and finds no WCAG 2.0/2.1 A or AA violation.

The pages and who sees them are in tests/e2e/pages.py. One test per role and language
reports every violation it found, grouped by rule. With AXE_REPORT=path the results of
every page are also written there (Markdown if the path ends in .md, else JSON).
"""

import json
import os
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask_migrate import upgrade
from werkzeug.serving import WSGIRequestHandler, make_server

from decisions import create_app
from decisions.database import expect_writes
from decisions.demo import data as demo
from decisions.extensions import db
from tests.conftest import FakeClock, sqlite_folder
from tests.e2e import pages as site
from tests.e2e.conftest import CHROMIUM, watch_console

pytestmark = [pytest.mark.heavy, pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)")]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BROWSER_LOCALES = {"nb": "nb-NO", "en": "en-GB"}

# axe reports a failure of these WCAG rules only as "needs review" (reviewOnFail); here it
# is a failure. duplicate-id-aria (4.1.2, level A): a <label for> or an aria-* reference to
# an id that several elements have reaches the first of them only, so the others have no
# name in the browser (axe's own "label" rule matches labels by the text of `for` and does
# not see it).
FAIL_ON_REVIEW = ["duplicate-id-aria"]

# Runs axe on the document: the violations, and what axe could not decide ("incomplete":
# to be reviewed by a person; reported, not failed).
RUN_AXE = """async ([tags, failOnReview]) => {
  axe.configure({rules: failOnReview.map(id => ({id, reviewOnFail: false}))});
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: tags}, resultTypes: ['violations', 'incomplete']});
  const rules = list => list.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({
      target: n.target.map(t => Array.isArray(t) ? t.join(' >>> ') : t).join(' '),
      html: n.html.slice(0, 200),
      why: [...n.any, ...n.all, ...n.none].map(c => c.message).filter(Boolean)[0] || ''
    }))}));
  return {version: result.testEngine.version, violations: rules(result.violations),
          incomplete: rules(result.incomplete)};
}"""


def run_axe(page) -> dict:
    """axe's WCAG 2.0/2.1 A and AA rules on the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):  # set_content pages
        page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE, [WCAG_TAGS, FAIL_ON_REVIEW])


# --- Fixtures: the demo data served once per module, one browser -----------------------


class _QuietHandler(WSGIRequestHandler):
    """No access log: some 700 requests would bury a failure's message."""

    def log_request(self, *args, **kwargs):
        pass


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    """The demo data in a SQLite file of its own, served on loopback with CSRF on (as in
    production) and the clock stopped (the tests' FakeClock). Yields (base URL, pages)."""
    folder = tmp_path_factory.mktemp("axe")
    database = sqlite_folder(tmp_path_factory, "axe") / "demo.sqlite"
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
                     FILE_STORAGE=str(folder / "files"))
    app.extensions["clock"] = FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    with app.app_context():
        upgrade()
        expect_writes()  # as `flask demo load` does
        assert demo.load()
        db.session.commit()
        expect_writes(False)
        ids = site.DemoIds.read()
        with app.test_request_context():
            pages = site.resolve(ids)
        db.session.remove()
        db.engine.dispose()
    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="axe-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", pages
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    """One headless chromium (Debian's binary; Playwright never downloads one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update",
                  "--no-first-run"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def report():
    """Every page's result; written to $AXE_REPORT when the module is done."""
    runs: list[dict] = []
    yield runs
    write_axe_report(runs)


def write_axe_report(runs: list[dict]) -> None:
    """To $AXE_REPORT; the English module's runs to the same name with "-en" added."""
    path = os.environ.get("AXE_REPORT")
    if path and runs:
        target = Path(path)
        if all(run.get("language") == "en" for run in runs):
            target = target.with_stem(target.stem + "-en")
        write_report(target, runs)


def _context(browser, language: str):
    """A browser context that asks for `language` and has axe in every page it opens
    (an init script: cheaper than adding it to each page; a page Content-Security-Policy
    would not stop it)."""
    context = browser.new_context(locale=BROWSER_LOCALES[language], timezone_id="Europe/Oslo",
                                  bypass_csp=True)
    context.set_default_timeout(15_000)
    context.add_init_script(path=str(AXE))
    return context


# --- The tests ------------------------------------------------------------------------


def test_every_get_route_is_visited_or_skipped():
    """A new GET route must be added to the page list (or skipped with a reason)."""
    app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://")
    get_routes = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    covered, skipped = site.covered_endpoints(), set(site.SKIPPED)
    assert not covered & skipped, f"both visited and skipped: {sorted(covered & skipped)}"
    assert get_routes - covered - skipped == set(), "GET routes neither visited nor skipped"
    assert (covered | skipped) - get_routes == set(), "listed, but no such GET route"
    names = [spec.name for spec in site.PAGES]
    assert len(names) == len(set(names)), "page names must be unique"
    assert {swap.page for swap in site.SWAPS} <= set(names)


KNOWN_BAD = """<!doctype html><html lang="en"><head><title>Known bad</title></head><body>
<main><h1>Known bad</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<form><input type="text" name="q"><button>Search</button></form>
<form><label for="note">Note</label> <input id="note" name="note"></form>
<form><label for="note">Note</label> <input id="note" name="note"></form>
</main></body></html>"""
# Fine for WCAG A/AA, but outside any landmark: axe's best-practice rule "region"
# would flag it if the run were not limited to the WCAG tags.
KNOWN_GOOD = """<!doctype html><html lang="en"><head><title>Known good</title></head><body>
<p>Outside any landmark.</p>
<main><h1>Known good</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="A dot">
<form><label for="q">Search for</label> <input id="q" type="text" name="q">
<button>Search</button></form>
</main></body></html>"""


def test_axe_finds_a_missing_alt_text_label_and_a_shared_id_and_nothing_on_a_good_page(
        browser):
    """The harness can fail: axe, injected as in the real test, finds the known faults,
    and only WCAG A/AA rules are asked."""
    context = _context(browser, "en")
    try:
        page = context.new_page()
        page.set_content(KNOWN_BAD)
        bad = run_axe(page)
        page.set_content(KNOWN_GOOD)
        good = run_axe(page)
    finally:
        context.close()
    assert bad["version"] == "4.11.0"
    found = {v["id"]: v for v in bad["violations"]}
    assert {"image-alt", "label", "duplicate-id-aria"} <= set(found), sorted(found)
    assert found["image-alt"]["nodes"][0]["target"] == "img"
    assert [n["html"] for n in found["label"]["nodes"]] == ['<input type="text" name="q">']
    assert found["duplicate-id-aria"]["nodes"][0]["html"].startswith('<input id="note"')
    assert good["violations"] == [], good["violations"]
    message = summarize("self-test", "en", [{"page": "known bad", "url": "about:blank",
                                            "problems": [], **bad}])
    assert "image-alt (critical)" in message and "known bad: img" in message


def test_axe_finds_faults_put_into_a_page_of_the_app(demo_site, browser):
    """The same on a page the app served, with its styles and scripts: an image without
    alt text and no language on <html> are found."""
    base, _pages = demo_site
    context = _context(browser, "nb")
    try:
        page = context.new_page()
        page.goto(f"{base}/login")
        page.evaluate("""() => {
            document.documentElement.removeAttribute('lang');
            const img = document.createElement('img');
            img.id = 'known-bad';
            img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
            document.querySelector('main').append(img);
        }""")
        found = {v["id"]: v for v in run_axe(page)["violations"]}
    finally:
        context.close()
    assert {"image-alt", "html-has-lang"} <= set(found), sorted(found)
    assert [n["target"] for n in found["image-alt"]["nodes"]] == ["#known-bad"]


@pytest.mark.parametrize("role", list(site.ROLES))
def test_every_page_has_no_wcag_a_or_aa_violation(demo_site, browser, report, role):
    """In bokmål; test_accessibility_en.py runs the same in English (a module of its
    own, so that the two languages run on two test workers at once)."""
    check_every_page(demo_site, browser, report, role, "nb")


def check_every_page(demo_site, browser, report, role: str, language: str) -> None:
    """Every page `role` may see, and its swaps, in `language`: no axe violation."""
    base, pages = demo_site
    mine = [page for page in pages if role in page.audience]
    assert mine
    context = _context(browser, language)
    runs = []
    try:
        page = context.new_page()
        if site.ROLES[role]:
            _log_in(page, base, site.ROLES[role])
        _choose_language(page, base, language)
        for target in mine:
            runs.append(_check_page(page, base, target, role, language))
            for swap in site.SWAPS:
                if swap.page == target.name and not runs[-1]["problems"]:
                    runs.append(_check_swap(page, swap, target, role, language))
    finally:
        context.close()
    report.extend(runs)
    failures = [run for run in runs if run["violations"] or run["problems"]]
    assert not failures, summarize(role, language, runs)


# Reflow (WCAG 1.4.10): at 320 CSS pixels nothing makes the page scroll sideways. Says
# which elements stick out, widest first.
OVERFLOW = """() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) return null;
  const out = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > root.clientWidth + 0.5
                  && !el.closest('.table-wrap, .ds-sr-only, dialog:not([open])'))
    .map(el => [Math.round(el.getBoundingClientRect().right),
                el.outerHTML.slice(0, 120)]);
  out.sort((a, b) => b[0] - a[0]);
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, out: out.slice(0, 3)};
}"""


@pytest.mark.parametrize("role", list(site.ROLES))
def test_every_page_fits_320_pixels_and_its_console_stays_empty(demo_site, browser, role):
    """Reflow, and (without axe, so under the page's Content-Security-Policy) no console
    error on any page or swap: no refusal, no missing resource, no script error."""
    base, pages = demo_site
    context = browser.new_context(locale=BROWSER_LOCALES["nb"], timezone_id="Europe/Oslo",
                                  viewport={"width": 320, "height": 640})
    context.set_default_timeout(15_000)
    wide = []
    try:
        page = context.new_page()
        console = watch_console(page)
        # Pages that answer an error status on purpose.
        page.expected_failures.extend(target.path for target in pages if target.status >= 400)
        if site.ROLES[role]:
            _log_in(page, base, site.ROLES[role])
        for target in pages:
            if role not in target.audience or target.action:
                continue
            page.goto(f"{base}{target.path}")
            found = page.evaluate(OVERFLOW)
            if found:
                wide.append(f"{target.name} {target.path}: {found}")
            for swap in site.SWAPS:
                if swap.page == target.name:
                    page.evaluate(swap.script)
            if console:
                wide.append(f"{target.name} {target.path}: console: {console[:]}")
                console.clear()
    finally:
        context.close()
    assert not wide, "\n".join(wide)


def _log_in(page, base: str, email: str) -> None:
    response = page.goto(f"{base}/login")
    assert response.status == 200, f"the login page answered {response.status}"
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    with page.expect_navigation():
        page.eval_on_selector("input[name=password]", "i => i.form.requestSubmit()")
    assert "/login" not in page.url, f"could not log in as {email}"


def _choose_language(page, base: str, language: str) -> None:
    """With the language button in the header, when the page is not in `language`
    already: a signed-in user's saved choice (from an earlier context) wins over the
    browser's Accept-Language."""
    if page.url == "about:blank":
        page.goto(f"{base}/public/")
    if page.evaluate("document.documentElement.lang") != language:
        with page.expect_navigation():
            page.click(f"form[action$='/language'] button[name=lang][value={language}]")
    assert page.evaluate("document.documentElement.lang") == language


def _check_page(page, base: str, target: site.Page, role: str, language: str) -> dict:
    started = time.monotonic()
    response = page.goto(f"{base}{target.path}")
    form_shown = response.status == 200  # otherwise there is no form: the status is the finding
    if target.action == "wrong-password" and form_shown:
        page.fill("input[name=email]", "ingen@samraad.test")
        page.fill("input[name=password]", "feil-passord")
        with page.expect_navigation() as navigation:
            page.eval_on_selector("input[name=password]", "i => i.form.requestSubmit()")
        response = navigation.value
    elif target.action == "submit" and form_shown:  # the form sent empty: its errors
        with page.expect_navigation() as navigation:
            page.eval_on_selector("main form[method=post]",
                                  "f => { f.noValidate = true; f.requestSubmit(); }")
        response = navigation.value
    status = response.status if response else None
    problems = []
    if status != target.status:
        problems.append(f"answered {status} ({page.url}), expected {target.status}")
    lang = page.evaluate("document.documentElement.lang")
    if lang != language:
        problems.append(f'<html lang="{lang}">, expected "{language}"')
    result = run_axe(page) if not problems else {"violations": [], "incomplete": []}
    return {"role": role, "language": language, "page": target.name,
            "endpoint": target.endpoint, "url": target.path, "status": status,
            "problems": problems, "violations": result["violations"],
            "incomplete": result["incomplete"], "seconds": round(time.monotonic() - started, 2)}


def _check_swap(page, swap: site.SwapSpec, target: site.Page, role: str,
                language: str) -> dict:
    started = time.monotonic()
    problems = []
    try:
        page.evaluate(swap.script)
    except Exception as error:  # the swap's own failure is a finding, not a crash
        problems.append(f"the swap failed: {error}")
    result = run_axe(page)
    return {"role": role, "language": language, "page": swap.name, "endpoint": swap.endpoint,
            "url": target.path, "status": None, "problems": problems,
            "violations": result["violations"], "incomplete": result["incomplete"],
            "seconds": round(time.monotonic() - started, 2)}


# --- Reporting ------------------------------------------------------------------------


def _by_rule(runs: list[dict], kind: str = "violations") -> dict[str, dict]:
    """The rules found (`kind`: "violations" or "incomplete"), most elements first, each
    with its element count and the selectors per page."""
    rules: dict[str, dict] = {}
    for run in runs:
        for violation in run[kind]:
            rule = rules.setdefault(violation["id"], {
                "impact": violation["impact"], "help": violation["help"],
                "helpUrl": violation["helpUrl"], "nodes": 0, "pages": defaultdict(list)})
            rule["nodes"] += len(violation["nodes"])
            rule["pages"][run["page"]].extend(n["target"] for n in violation["nodes"])
    return dict(sorted(rules.items(), key=lambda kv: (-kv[1]["nodes"], kv[0])))


def summarize(role: str, language: str, runs: list[dict]) -> str:
    """One readable message: the problems per page, then the violations per rule with
    the pages and selectors where they were found."""
    bad_pages = {run["page"] for run in runs if run["violations"] or run["problems"]}
    lines = [f"{role} in {language}: {len(bad_pages)} of {len(runs)} pages fail"]
    for run in runs:
        for problem in run["problems"]:
            lines.append(f"  {run['page']} {run['url']}: {problem}")
    for rule_id, rule in _by_rule(runs).items():
        pages = rule["pages"]
        lines.append(f"  {rule_id} ({rule['impact']}): {rule['help']} – {rule['nodes']} "
                     f"elements on {len(pages)} pages")
        why = next((v["nodes"][0]["why"] for run in runs for v in run["violations"]
                    if v["id"] == rule_id and v["nodes"] and v["nodes"][0].get("why")), "")
        if why:
            lines.append(f"      why: {why}")
        for name, targets in list(pages.items())[:4]:
            distinct = list(dict.fromkeys(targets))
            more = f" (+{len(distinct) - 3} more)" if len(distinct) > 3 else ""
            lines.append(f"      {name}: {', '.join(distinct[:3])}{more}")
        if len(pages) > 4:
            lines.append(f"      … and {len(pages) - 4} more pages")
    return "\n".join(lines)


def write_report(path: Path, runs: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".md":
        path.write_text(_markdown(runs), encoding="utf-8")
        return

    def plain(rules):
        return {rule_id: {**rule, "pages": dict(rule["pages"])} for rule_id, rule in rules.items()}

    path.write_text(json.dumps({
        "axe": "4.11.0", "tags": WCAG_TAGS, "checks": len(runs),
        "failing": sum(1 for run in runs if run["violations"] or run["problems"]),
        "violations": plain(_by_rule(runs)), "incomplete": plain(_by_rule(runs, "incomplete")),
        "runs": runs}, ensure_ascii=False, indent=1), encoding="utf-8")


def _markdown(runs: list[dict]) -> str:
    combos = sorted({(run["role"], run["language"]) for run in runs})
    out = ["# Accessibility: axe-core 4.11.0, WCAG 2.0/2.1 A and AA", "",
           f"{len({run['page'] for run in runs})} pages, {len(combos)} role × language "
           f"combinations, {len(runs)} checks, "
           f"{sum(1 for run in runs if run['violations'] or run['problems'])} failing."]
    for kind, heading in (("violations", "Violations by rule"),
                          ("incomplete", "Needs review: what axe could not decide")):
        out += ["", f"## {heading}", "", "| rule | impact | elements | pages | example |",
                "|---|---|---|---|---|"]
        for rule_id, rule in _by_rule(runs, kind).items():
            name, targets = next(iter(rule["pages"].items()))
            out.append(f"| [{rule_id}]({rule['helpUrl']}) | {rule['impact']} | {rule['nodes']} "
                       f"| {len(rule['pages'])} | {name}: `{targets[0].replace('|', '&#124;')}` |")
    out += ["", "## Per page", "", "| page | role | language | status | violations |",
            "|---|---|---|---|---|"]
    for run in runs:
        found = ", ".join(f"{v['id']} ×{len(v['nodes'])}" for v in run["violations"])
        found = "; ".join(filter(None, [found, *run["problems"]])) or "none"
        out.append(f"| {run['page']} | {run['role']} | {run['language']} | "
                   f"{run['status'] or 'swap'} | {found} |")
    return "\n".join(out) + "\n"
