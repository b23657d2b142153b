# Executable documentation: every target sets itself up on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup system demo test lint typecheck bench eval serve clean

setup: $(STAMP)

# System parts the tests need (Debian's chromium for the browser tests, openssl for the TLS and DKIM
# test keys); installed once, only when missing.
system:
	@missing=""; test -x /usr/bin/chromium || missing="chromium"; \
	command -v openssl >/dev/null || missing="$$missing openssl"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages for the tests:$$missing"; \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: setup
	$(BIN)/python -m mediawatch.demo

test: setup system
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: setup
	$(BIN)/ruff check mediawatch tests bench
	$(BIN)/mypy

eval: setup
	$(BIN)/python -m mediawatch.classify.evaluate --set dev
	$(BIN)/python -m mediawatch.classify.evaluate --set test
	$(BIN)/python -m mediawatch.classify.learned compare

bench: setup
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.classify_bench
	$(BIN)/python -m bench.stories_bench --modes batch
	$(BIN)/python -m bench.compose_render_bench
	$(BIN)/python -m bench.send_bench

clean:
	rm -rf $(VENV) .demo build *.egg-info
