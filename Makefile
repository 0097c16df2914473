# Anxin — the two commands are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run setup test test-sqlite test-pg lint fmt messages bench clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml package.json
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	$(BIN)/pip install -q --no-deps -e .
	npm ci --silent --no-audit --no-fund
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/anxin setup

## Set up on the embedded SQLite database (demo data on first start) and serve on 127.0.0.1:8000.
run: $(STAMP)
	$(BIN)/anxin run

## The whole suite on SQLite, then again on PostgreSQL when ANXIN_TEST_DATABASE_URL is set.
test: $(STAMP) lint test-sqlite
	@if [ -n "$$ANXIN_TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory test-pg; \
	else echo "ANXIN_TEST_DATABASE_URL not set: PostgreSQL run skipped (.ci/run sets it)."; fi

test-sqlite: $(STAMP)
	ANXIN_VAR_DIR=$$(mktemp -d) DATABASE_URL= $(BIN)/pytest -q

test-pg: $(STAMP)
	ANXIN_VAR_DIR=$$(mktemp -d) DATABASE_URL=$$ANXIN_TEST_DATABASE_URL $(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check anxin bench tools tests
	$(BIN)/python manage.py makemigrations --check --dry-run -v0
	$(BIN)/python tools/fill_po.py anxin/locale/zh_Hans/LC_MESSAGES/django.po
	$(BIN)/python tools/lint_custom.py
	$(BIN)/lint-imports --no-cache
	@if command -v msgfmt >/dev/null; then msgfmt --check-format -o /dev/null anxin/locale/zh_Hans/LC_MESSAGES/django.po; fi

fmt: $(STAMP)
	$(BIN)/ruff check --fix anxin bench tools tests

## Refresh the zh-Hans catalogue from the source (needs GNU gettext), report untranslated entries, compile.
## From the repository root so templates/ is included (from anxin/ --no-obsolete would drop its strings).
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete -v0 --ignore ".venv/*" --ignore "node_modules/*" \
		--ignore "*/tests/*" --ignore "var/*" --ignore "bench/*" --ignore "tools/*"
	-$(BIN)/python tools/fill_po.py anxin/locale/zh_Hans/LC_MESSAGES/django.po
	cd anxin && ../$(BIN)/python ../manage.py compilemessages -l zh_Hans -v0

bench: $(STAMP)
	$(BIN)/python bench/workorders.py

clean:
	rm -rf $(VENV) node_modules var
