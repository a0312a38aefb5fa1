# Two commands set everything up on a fresh machine:
#   make demo   create .venv, install, ingest corpus/, chat on http://127.0.0.1:7860
#   make test   create .venv, install, run the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test eval clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first: 2.13.0 is a local CPU wheel; anything else pulls GBs of CUDA.
	$(PY) -m pip install --quiet torch==2.13.0
	# [llm]: llama.cpp compiles here once (about 4 minutes); pip's wheel cache keeps it.
	# GGML_NATIVE=OFF: a native build on a CPU that reports AMX tiles uses them, and a
	# virtual machine that does not grant them crashes the first generation (seen here).
	CMAKE_ARGS="-DGGML_NATIVE=OFF" CMAKE_BUILD_PARALLEL_LEVEL=2 $(PY) -m pip install --quiet -e '.[test,llm]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/quorum ingest corpus --prune
	$(VENV)/bin/quorum serve --host 127.0.0.1 --port 7860

test: install
	$(VENV)/bin/pytest -q

eval: install
	$(VENV)/bin/quorum eval

clean:
	rm -rf .quorum $(VENV)
