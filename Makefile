# Samråd: `make run` serves the demo on http://127.0.0.1:5000, `make test` runs the suite.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)
export FLASK_APP := wsgi
export PYTHONPATH := .

.PHONY: run test venv translations extract-messages db demo lint clean

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

test: venv translations
	$(BIN)/pytest -q $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance/*.sqlite* .pytest_cache
