# Prozesslotse: the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
FLASK  := $(BIN)/flask --app app
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Two cores on the reference machine: one pytest worker per core.
PYTEST_WORKERS ?= 2

.PHONY: install run serve test bench clean

install: $(STAMP)

# CPU torch first: otherwise sentence-transformers pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet "torch==2.13.0"
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

# Starts a Chroma server on loopback (unless CHROMA_HOST is set), migrates, loads the demo
# corpus, rebuilds the index and serves with gunicorn; stopping gunicorn stops Chroma too.
run: install
	$(BIN)/python -m app.serve --bind $(HOST):$(PORT)

serve: install
	$(BIN)/python -m app.serve --bind $(HOST):$(PORT) --no-setup

test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup -q

clean:
	rm -rf $(VENV) instance .pytest_cache
