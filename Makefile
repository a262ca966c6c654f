# amlmon — make demo: the nightly job on the sample archive; make test: the whole suite.
GO      ?= go
BIN     := bin/amlmon
AZURITE := .ci/node_modules/.bin/azurite-blob
# Tests start their own in-memory Azurite from here, on a free loopback port, and stop it.
export AMLMON_AZURITE_BIN := $(abspath $(AZURITE))

# What `amlmon version` reports; override on the command line for a release build.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)

DEMO_DAY := 2026-11-24

# staticcheck, pinned: `go run` fetches this version through the module proxy and caches it, so
# a clean CI machine needs nothing but Go. v0.8.2 is staticcheck 2026.2.2, which knows Go 1.26.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: build test chromium race demo bench lint clean

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/amlmon

$(AZURITE): .ci/package.json .ci/package-lock.json
	cd .ci && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The browser test of report.html drives headless Chromium; as root on Debian (CI) it is
# installed when missing, elsewhere the test says what to install.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; \
	else \
		echo "Chromium is missing: the browser test needs it (Debian: sudo apt-get install chromium)"; \
	fi

# Test artefacts (the browser test's screenshot) are kept in .ci/artifacts.
test: $(AZURITE) chromium
	$(GO) vet ./...
	mkdir -p .ci/artifacts
	$(GO) test -count=1 -artifacts -outputdir $(abspath .ci/artifacts) ./...

# The nightly job on the sample archive, with "now" pinned to the morning after the day.
demo: build
	$(BIN) run --source testdata/archive --lake demo/lake --out demo/reports \
		--date $(DEMO_DAY) --now 2026-11-25T12:00:00Z
	@echo
	@echo "The report: demo/reports/$(DEMO_DAY)/report.md"

# amlmon against DuckDB's own JSON reader on a generated archive (BENCH_SIZE, default 600MiB),
# with a PASS or FAIL line per target of the performance issue, then the Go benchmarks of the
# conversion path (MB/s per core). Archives, and the 7-day lake, are kept in .bench between runs.
BENCH_SIZE ?= 600MiB
BENCH_RUNS ?= 3
bench: build
	$(GO) build -o bin/amlbench ./cmd/amlbench
	bin/amlbench --size $(BENCH_SIZE) --runs $(BENCH_RUNS) --amlmon $(BIN)
	$(GO) test -count=1 -run '^$$' -bench 'Decode|Convert' -benchmem ./transform

# The conversion and the report under the race detector: the packages that run goroutines
# side by side (converting groups, committing, running the day's queries).
race: $(AZURITE)
	$(GO) test -race -count=1 -timeout 30m ./transform ./reports

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

clean:
	rm -rf bin demo .bench
