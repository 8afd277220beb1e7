# Samråd: `make run` serves the demo on http://127.0.0.1:5000, `make test` runs the suite.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
export FLASK_APP := wsgi
export PYTHONPATH := .

.PHONY: run test venv translations extract-messages db demo lint clean vendor screenshots security-scan bench

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-*
	touch $@

translations: venv
	$(BIN)/pybabel compile -f --statistics -d decisions/translations

extract-messages: venv
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs='.* __pycache__ node_modules' -o decisions/translations/messages.pot .
	$(BIN)/pybabel update -i decisions/translations/messages.pot -d decisions/translations --no-fuzzy-matching

db: venv translations
	SAMRAAD_CONFIG=development $(BIN)/flask db upgrade

demo: db
	SAMRAAD_CONFIG=development $(BIN)/flask demo load

run: demo
	@echo "Samråd runs on http://127.0.0.1:5000 (Ctrl-C stops it)."
	SAMRAAD_CONFIG=development $(BIN)/flask run --host 127.0.0.1 --port 5000

# TEST_WORKERS: pytest-xdist processes (auto: one per CPU); a file's tests stay in one,
# the modules marked heavy first (tests/conftest.py), the rest in their order.
TEST_WORKERS ?= auto

test: venv translations
	@bash scripts/test-services.sh
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=10 $(PYTEST_ARGS)

# Samråd's pages under gunicorn (4 workers) against a Flask hello world and a bare
# reference page, on SQLite and PostgreSQL (127.0.0.1:5432, databases samraad_bench_*)
# at alliance and national scale, with wrk; budgets PASS/FAIL; writes
# docs/benchmarks.md and benchmarks/results/bench.json. About 40 minutes on 2 cores; run it on a
# quiet machine. BENCH_ARGS="--quick" for a short run, --databases sqlite, --duration 5 ...
bench: venv translations
	@command -v wrk >/dev/null || { echo "make bench needs wrk: apt-get install -y wrk"; exit 1; }
	$(BIN)/python benchmarks/bench.py $(BENCH_ARGS)

lint: venv
	$(BIN)/ruff check .

# Front-end files, vendored so that running the app needs no Node: `make vendor` fetches
# the versions pinned in package.json from the npm registry (`npm pack`, no node_modules)
# and copies the built files in. Run it after changing a version in package.json.
npm_version = $(shell python3 -c 'import json; p = json.load(open("package.json")); print({**p["dependencies"], **p["devDependencies"]}["$(1)"])')

vendor:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	unpack() { mkdir -p "$$tmp/$$1"; tgz=$$(cd "$$tmp" && npm pack --silent "$$1@$$2" | tail -n 1); \
	  tar -xzf "$$tmp/$$tgz" -C "$$tmp/$$1"; echo "$$tmp/$$1/package"; }; \
	mkdir -p static/vendor/htmx static/vendor/sortablejs static/vendor/designsystemet tests/e2e/vendor; \
	d=$$(unpack htmx.org $(call npm_version,htmx.org)); \
	install -m 644 "$$d/dist/htmx.min.js" "$$d/LICENSE" static/vendor/htmx/; \
	d=$$(unpack sortablejs $(call npm_version,sortablejs)); \
	install -m 644 "$$d/Sortable.min.js" "$$d/LICENSE" static/vendor/sortablejs/; \
	d=$$(unpack @digdir/designsystemet-theme $(call npm_version,@digdir/designsystemet-theme)); \
	install -m 644 "$$d/src/themes/designsystemet.css" static/vendor/designsystemet/designsystemet-theme.css; \
	install -m 644 "$$d/LICENSE" static/vendor/designsystemet/LICENSE-designsystemet-theme; \
	d=$$(unpack @digdir/designsystemet-css $(call npm_version,@digdir/designsystemet-css)); \
	install -m 644 "$$d/dist/src/index.css" static/vendor/designsystemet/designsystemet.css; \
	install -m 644 "$$d/LICENSE" static/vendor/designsystemet/LICENSE-designsystemet-css; \
	d=$$(unpack axe-core $(call npm_version,axe-core)); \
	install -m 644 "$$d/axe.min.js" tests/e2e/vendor/axe.min.js; \
	echo "Vendored: htmx.org $(call npm_version,htmx.org), sortablejs $(call npm_version,sortablejs), @digdir/designsystemet-css $(call npm_version,@digdir/designsystemet-css), @digdir/designsystemet-theme $(call npm_version,@digdir/designsystemet-theme), axe-core $(call npm_version,axe-core) (tests only)."

clean:
	rm -rf $(VENV) instance/*.sqlite* .pytest_cache

# Screenshots of the main pages at 320 and 1280 px (demo data, every role) for review:
# docs/screenshots/320/ and docs/screenshots/1280/. Needs Debian's chromium.
screenshots: venv translations
	$(BIN)/python scripts/screenshots.py

# sqlmap, wapiti (as every role) and bandit against the demo on 127.0.0.1; report in
# docs/security/. The tools get their own environment, .venv-scan.
security-scan: venv translations
	test -x .venv-scan/bin/python || python3 -m venv .venv-scan
	.venv-scan/bin/pip install --quiet --disable-pip-version-check -r requirements-scan.txt
	$(BIN)/python scripts/security_scan.py $(SCAN_ARGS)
