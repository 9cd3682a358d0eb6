# The two commands of the README:
#   make course   set everything up, then open the learner notebooks in JupyterLab
#   make test     set everything up, then run every test (unit, notebooks, grading)
# Other targets: make setup, make build (regenerate notebooks), make site (website in _site/),
# make lab-solutions.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# tests run two at a time (2 cores); override with make test JOBS=1
JOBS   ?= 2

.PHONY: setup browser course test build site lab-solutions clean

setup: $(STAMP) browser

# Headless Chromium for the website test (Debian's package; needs root or sudo).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/autograder kernel
	touch $(STAMP)

course: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/jupyter lab course/

lab-solutions: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/jupyter lab solutions/

test: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" COURSE_OFFLINE=$${COURSE_OFFLINE:-1} $(BIN)/python -m pytest -n $(JOBS) --durations=15

build: setup
	$(BIN)/autograder build

site: setup
	$(BIN)/autograder site

clean:
	rm -rf $(VENV) .pytest_cache gradebook.db
