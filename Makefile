# Set-up and everyday jobs. `make demo` and `make test` work on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
REPORTS ?= ../shared/corpus/seeds
GOLD ?= ../shared/gold
# The tree issue 14 was filed on: make bench measures the full parse against it in one run.
PARSE_REF ?= ac24ab3
# The sample corpus holds 南开区's 2023 target/outcome pair; other folders show every pair.
ifeq ($(REPORTS),../shared/corpus/seeds)
RECON_ARGS ?= --region 南开区 --year 2023
endif

.PHONY: demo test lint eval bench clean browser postgres

$(BIN)/duizhang: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,ocr]'
	touch $@

demo: $(BIN)/duizhang
	rm -f demo.db demo.db-wal demo.db-shm
	$(BIN)/duizhang add --db demo.db --jobs 2 $(REPORTS)
	$(BIN)/duizhang list --db demo.db
	$(BIN)/duizhang reconcile --db demo.db $(RECON_ARGS)

# The browser tests drive Debian's Chromium (no browser download); a CJK font makes
# the screenshots readable.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null; }

# The store, library, 对账单 and web API tests run on SQLite and on PostgreSQL: the
# tests start a throw-away server of Debian's postgresql under build/pgtest (socket
# only) and remove it at the end. Where it cannot be installed they are skipped.
postgres:
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  echo "installing Debian's postgresql for the PostgreSQL tests"; \
	  (apt-get update -qq && apt-get install -y -qq postgresql postgresql-contrib >/dev/null) || \
	  echo "could not install postgresql: the PostgreSQL half of the tests will be skipped"; }

test: $(BIN)/duizhang browser postgres
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest -q

lint: $(BIN)/duizhang
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

eval: $(BIN)/duizhang
	@$(BIN)/duizhang extract $(REPORTS) --format jsonl > .eval-mentions.jsonl
	@$(BIN)/duizhang read $(REPORTS) --json > .eval-docs.jsonl
	@$(BIN)/python $(GOLD)/score.py .eval-mentions.jsonl --docs .eval-docs.jsonl

bench: $(BIN)/duizhang postgres
	$(BIN)/python bench/bench_parse.py ../shared/corpus/dev --ref $(PARSE_REF)
	$(BIN)/python bench/bench_startup.py $(firstword $(wildcard $(REPORTS)/*.txt))
	$(BIN)/python bench/bench_library.py $(REPORTS) --docs 100,500,2000 --jobs 2
	$(BIN)/python bench/bench_library.py $(REPORTS) --docs 500 --jobs 2 --backend sqlite,postgresql
	$(BIN)/python bench/bench_web.py $(REPORTS) --docs 2000
	$(BIN)/python bench/bench_load.py $(REPORTS) --docs 500 --clients 20 --seconds 15 --workers 2
	$(BIN)/python bench/bench_ocr.py ../shared/corpus/dev/hubei_2025_gwr_scan.pdf --pages 4

clean:
	rm -rf $(VENV) build .eval-*.jsonl .pytest_cache .mypy_cache .ruff_cache
