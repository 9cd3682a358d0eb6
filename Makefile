# The two commands of the README:
#   make course   set everything up, then open the learner notebooks in JupyterLab (no root needed)
#   make test     set everything up, then run every test (unit, notebooks, packaging, Colab
#                 runtime, browser, grading)
# Other targets: make setup, make build (regenerate notebooks), make site (website in _site/),
# make lab-solutions, make dist (wheel and sdist), make test-tools.

PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# tests run two at a time (2 cores); override with make test JOBS=1
JOBS   ?= 2
# uv trusts the system's certificate store, as pip does (a proxy's own CA included)
export UV_SYSTEM_CERTS = 1

.PHONY: setup course test test-tools build site lab-solutions dist clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e ".[all]"
	$(BIN)/autograder kernel
	touch $(STAMP)

course: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/jupyter lab course/

lab-solutions: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/jupyter lab solutions/

# What only the tests need: Debian packages (a browser, the grading sandbox, Node.js;
# installed with apt as root or through sudo), a learner's clean install of the wheel, the
# rebuilt Colab runtime (a Python 3.13 venv) and JupyterHub's proxy.
# Everything is built side by side (each mostly waits on downloads): the Debian packages,
# then JupyterHub's proxy with their npm (pinned by tests/support/jupyterhub_proxy/package-lock.json);
# meanwhile the learner's environment and the Colab runtime.
test-tools: setup
	{ tests/support/system-packages.sh && $(BIN)/python tests/support/jupyterhub_proxy.py build; } & system=$$!; \
	$(BIN)/python tests/support/learner_env.py build & learner=$$!; \
	$(BIN)/python tests/support/colab_runtime.py build; colab=$$?; \
	wait $$system && wait $$learner && test $$colab -eq 0

# The tools build in the background while the tests that need none run (notebooks, checks);
# a test marked needs_test_tools waits for them (tests/conftest.py reads TOOLS_STATE: "building
# <pid of this recipe's shell>", then the build's exit status).
TOOLS_STATE := .test-tools.state
TOOLS_LOG   := .test-tools.log

test: setup
	@echo "building $$$$" > $(TOOLS_STATE); \
	echo "building the test tools in the background (log: $(TOOLS_LOG))"; \
	{ $(MAKE) --no-print-directory test-tools > $(TOOLS_LOG) 2>&1; echo $$? > $(TOOLS_STATE); } & \
	PATH="$(CURDIR)/$(BIN):$$PATH" COURSE_OFFLINE=$${COURSE_OFFLINE:-1} $(BIN)/python -m pytest -n $(JOBS) --dist loadgroup --durations=20; \
	status=$$?; wait; echo "test tools: exit status $$(cat $(TOOLS_STATE)) (log: $(TOOLS_LOG))"; exit $$status

build: setup
	$(BIN)/autograder build

site: setup
	$(BIN)/autograder site

dist: setup
	$(BIN)/python -m build --outdir dist .

clean:
	rm -rf $(VENV) .venv-colab .venv-learner dist .pytest_cache gradebook.db
