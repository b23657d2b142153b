# Executable documentation: every target sets itself up on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
# Debian packages: the browser of the browser tests, the TLS reverse proxy of the journey tests, the
# throwaway PostgreSQL server, openssl for test keys; pango, harfbuzz, fontconfig and a font for the
# printed (PDF) press review, which WeasyPrint lays out through them; redis-server for the distributed
# mode's broker, started by the tests on loopback.
SYSTEM_PACKAGES := chromium nginx-light postgresql openssl redis-server \
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libfontconfig1 fonts-dejavu-core
# pytest-xdist workers; "auto" is one per core
JOBS ?= auto

.PHONY: setup system demo test test-fast lint bench eval model serve lock clean

setup: $(STAMP)

# Installed once, only what is missing (dpkg says what is there), through sudo when not root.
system:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# Dependencies come from the lock file (exact versions and hashes); the project itself is installed on top.
$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# After changing dependencies in pyproject.toml: write the lock again (needs the package registry).
lock: setup
	$(BIN)/uv pip compile -q pyproject.toml --extra dev --extra postgresql --extra bench \
	  --generate-hashes --python-version 3.11 -o $(LOCK)

demo: setup
	$(BIN)/python -m mediawatch.demo

# Every test, on both cores; CI=true (set by CI) makes the PostgreSQL tests fail rather than skip.
test: setup system
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(JOBS)

# Without the browser, PostgreSQL and slow tests: the quick loop while developing.
test-fast: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(JOBS) -m "not browser and not postgresql and not slow"

lint: setup
	$(BIN)/ruff check mediawatch tests bench
	$(BIN)/mypy
	$(BIN)/deptry mediawatch tests bench
	$(BIN)/lint-imports

eval: setup
	$(BIN)/python -m mediawatch.classify.evaluate --set dev
	$(BIN)/python -m mediawatch.classify.evaluate --set test
	$(BIN)/python -m mediawatch.classify.learned compare

# After changing a labelled set: train the packaged base relevance model again (needs scikit-learn, a dev
# dependency); tests/test_base_model.py fails while the packaged file is stale.
model: setup
	$(BIN)/python -m mediawatch.classify.learned train --out mediawatch/classify/base_model.npz

bench: setup
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.classify_bench
	$(BIN)/python -m bench.stories_bench --modes batch
	$(BIN)/python -m bench.compose_render_bench
	$(BIN)/python -m bench.send_bench
	$(BIN)/python -m bench.search_bench
	$(BIN)/python -m bench.watch_page_bench
	$(BIN)/python -m bench.approver_count_bench
	$(BIN)/python -m bench.cluster_bench

serve: setup
	$(BIN)/mediawatch serve

clean:
	rm -rf $(VENV) .demo build *.egg-info
