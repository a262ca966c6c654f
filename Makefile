# amlmon — make demo: the nightly job on the sample archive; make test: the whole suite.
GO      ?= go
BIN     := bin/amlmon
AZURITE := .ci/node_modules/.bin/azurite-blob
# Tests start their own in-memory Azurite from here, on a free loopback port, and stop it.
export AMLMON_AZURITE_BIN := $(abspath $(AZURITE))

.PHONY: build test demo bench lint clean

build:
	$(GO) build -o $(BIN) ./cmd/amlmon

$(AZURITE): .ci/package.json .ci/package-lock.json
	cd .ci && npm ci --no-audit --no-fund --loglevel=error
	touch $@

test: $(AZURITE)
	$(GO) vet ./...
	$(GO) test -count=1 ./...

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

clean:
	rm -rf bin demo .bench
