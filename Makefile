# The two commands: `make run` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 3978
PLAYGROUND_PORT ?= 56150

INFRA_VENV := .venv-infra
PACKAGE ?= build/appPackage.zip

.PHONY: run test install package cosmos-local chromium bench clean infra-check

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the pinned requirements change.
$(VENV)/.installed: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The tab pages are tested in a real browser: Debian's chromium (playwright drives it).
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }

install: $(VENV)/.installed node_modules/.installed

# checkov (the static check of infra/ and the Dockerfile) pins many packages: it gets a venv of its own.
$(INFRA_VENV)/.installed: requirements-infra.txt
	$(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-infra.txt
	touch $@

# Every finding must be fixed or skipped in the Bicep file with a comment that says why (tests/test_infra.py).
infra-check: $(INFRA_VENV)/.installed
	$(INFRA_VENV)/bin/checkov -d infra --framework bicep --skip-download --compact --quiet
	$(INFRA_VENV)/bin/checkov -f Dockerfile --framework dockerfile --skip-download --compact --quiet

# Under make test the infra tests must run (they skip only outside it, when .venv-infra is missing).
test: install chromium $(INFRA_VENV)/.installed
	WORKSHOPS_MAKE_TEST=1 $(PY) -m pytest

# Starts the bot (embedded SQLite store, anonymous local mode) and the Agents Playground at
# http://localhost:$(PLAYGROUND_PORT), opened in a browser where the machine has one. Ctrl+C stops both.
run: install
	@PORT=$(PORT) $(PY) app.py & bot=$$!; \
	trap 'kill $$bot 2>/dev/null' EXIT INT TERM; \
	command -v xdg-open >/dev/null 2>&1 || export TEAMSAPPTESTER_BROWSER=none; \
	echo "Agents Playground: http://localhost:$(PLAYGROUND_PORT)"; \
	npx --no-install agentsplayground --app-endpoint http://127.0.0.1:$(PORT)/api/messages \
		--channel-id msteams --port $(PLAYGROUND_PORT) --disable-telemetry

# A local Cosmos DB server on https://127.0.0.1:8081/ (self-signed), to run the bot on Cosmos DB:
#   COSMOS_ENDPOINT=https://127.0.0.1:8081/ COSMOS_KEY=bG9jYWw= COSMOS_VERIFY_TLS=false make run
cosmos-local: node_modules/.installed
	node tests/js/cosmosdb_server.js --port 8081 --host 127.0.0.1

# Builds the Teams app package ($(PACKAGE)) from MicrosoftAppId and PUBLIC_BASE_URL (m365agents.yml runs it too).
package: install
	$(PY) -m manifest.build --out $(PACKAGE)

# The benchmark (bench/RESULTS.md): the bot on SQLite and a local Cosmos DB server against two echo baselines.
# BENCH_ARGS=--quick for a short run.
bench: install
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	$(PY) -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(INFRA_VENV) node_modules build .pytest_cache
