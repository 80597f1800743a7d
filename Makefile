# egov: `make run` serves the embedded default, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
EGOV   := $(BIN)/egov
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
SBOM_DIR ?= var/sbom
SBOM_NPM := .ci/sbom-npm
SCREENSHOTS := build/screenshots
# make lock LOCK_ARGS='--upgrade-package flask' (docs/supply-chain.md: updating a dependency)
LOCK_ARGS ?=

.PHONY: run test lint audit sbom docs messages lock vendor vendor-check bench clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

# requirements.lock pins and hashes every package, pip, setuptools and wheel included
# (docs/supply-chain.md). First pip upgrades itself and installs the build tools from their
# locked, hashed wheels; then the whole lock is installed without build isolation, so an sdist
# (wsgidav) is built with those locked tools and no unhashed build dependency is fetched.
# egov itself is an editable install (pip cannot hash-check it), built the same way.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	awk '/^[a-z0-9]/ { keep = /^(pip|setuptools|wheel)==/ } keep' requirements.lock \
	    > $(VENV)/bootstrap.lock
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps --only-binary :all: \
	    -r $(VENV)/bootstrap.lock
	$(BIN)/python -m pip install --quiet --require-hashes --no-build-isolation -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-* && touch $(STAMP)

# serve writes var/egov.env (EGOV_URL=<its URL>): `egov dev-token` and docs/walkthrough.sh in
# any other shell find this server there (EGOV_PORT=8001 make run moves it; the file follows).
run: $(STAMP)  ## install, migrate, create demo org units, deploy bpmn/, serve (URL in var/egov.env)
	$(EGOV) migrate
	$(EGOV) demo-setup
	$(EGOV) deploy
	$(EGOV) serve --url-file var/egov.env

test: $(STAMP) lint  ## the whole suite: lint, types, layering, audit, tests on SQLite, PostgreSQL, Chromium
	$(BIN)/python .ci/audit.py --if-unreachable warn
	$(BIN)/pytest; status=$$?; echo "Screenshots (tests/browser): $(CURDIR)/$(SCREENSHOTS)"; exit $$status

lint: $(STAMP) vendor-check  ## ruff, mypy (strict on egov/ and .ci/audit.py), import-linter, vendored assets
	$(BIN)/ruff check egov tests bpmn .ci/audit.py vendor/vendor.py
	$(BIN)/mypy
	$(BIN)/lint-imports

# the browser assets (htmx, axe-core, bpmn-js, Leaflet) from vendor/package-lock.json, copied
# with their licences into egov/ui/static/vendor/ and listed in vendor/MANIFEST.json; commit both
vendor:  ## re-copy the vendored browser assets from vendor/package-lock.json (npm ci)
	cd vendor && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	$(PYTHON) vendor/vendor.py copy

vendor-check:  ## the checked-in vendored assets are exactly vendor/MANIFEST.json and the lock's versions
	$(PYTHON) vendor/vendor.py check

audit: $(STAMP)  ## known vulnerabilities in the lock files (pip-audit, npm audit); allow-list in security/
	$(BIN)/python .ci/audit.py

sbom: $(STAMP)  ## CycloneDX SBOMs (JSON) of requirements.lock, the npm test dependencies and vendor/, in var/sbom/
	mkdir -p $(SBOM_DIR)
	PYTHONWARNINGS="ignore:The Component this BOM is describing" \
	    $(BIN)/cyclonedx-py requirements --pyproject pyproject.toml --of JSON --output-reproducible \
	    --validate -o $(SBOM_DIR)/python.cdx.json requirements.lock
	cd $(SBOM_NPM) && npm ci --ignore-scripts --omit=optional --no-audit --no-fund --loglevel=error
	$(SBOM_NPM)/node_modules/.bin/cyclonedx-npm --package-lock-only --output-reproducible \
	    --output-format JSON --validate --output-file $(SBOM_DIR)/npm-oidc.cdx.json tests/oidc/package.json
	$(SBOM_NPM)/node_modules/.bin/cyclonedx-npm --package-lock-only --output-reproducible \
	    --output-format JSON --validate --output-file $(SBOM_DIR)/npm-vendor.cdx.json vendor/package.json
	@echo "SBOMs: $(SBOM_DIR)/python.cdx.json $(SBOM_DIR)/npm-oidc.cdx.json $(SBOM_DIR)/npm-vendor.cdx.json"

docs: $(STAMP)  ## regenerate docs/configuration.md and docs/errors.md from the code
	$(EGOV) config-docs > docs/configuration.md
	$(EGOV) error-docs > docs/errors.md

# the pages' texts (docs/frontends.md): extract into messages.pot, update de and en, compile the
# .mo files (checked in, so a clean clone's `make run` needs no compile step)
I18N := egov/ui/translations
messages: $(STAMP)  ## extract the pages' texts, update the de/en catalogues, compile them
	$(BIN)/pybabel -q extract --no-location --sort-output -F egov/ui/babel.cfg -k N_ \
	    --project egov --copyright-holder "egov contributors" -o $(I18N)/messages.pot \
	    egov/ui egov/portal egov/workspace
	$(BIN)/pybabel -q update --no-fuzzy-matching --ignore-pot-creation-date -i $(I18N)/messages.pot -d $(I18N)
	$(BIN)/pybabel -q compile --use-fuzzy -d $(I18N)

lock: $(STAMP)  ## re-resolve requirements.lock (pinned and hashed) from pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --no-emit-index-url \
	    --no-emit-find-links --extra dev --strip-extras --output-file requirements.lock \
	    $(LOCK_ARGS) pyproject.toml

bench: $(STAMP)  ## print the benchmark figures (benchmarks/)
	$(BIN)/python benchmarks/long_lived_case.py
	$(BIN)/python benchmarks/intake_throughput.py
	$(BIN)/python benchmarks/script_sandbox.py
	$(BIN)/python benchmarks/triage.py
	$(BIN)/python benchmarks/sqlite_writers.py

clean:  ## remove the venv and local data
	rm -rf $(VENV) var $(SBOM_NPM)/node_modules vendor/node_modules
