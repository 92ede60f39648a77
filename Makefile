# Everything a contributor or CI runs. `make help` lists the targets.
GO      ?= go
SPEC    ?=
PKGS    := ./...

# oasdiff runs from its own module (tools/go.mod), so that its dependencies
# never enter the graph of programs that import this one.
OASDIFF := $(GO) tool -modfile=tools/go.mod oasdiff

.PHONY: help generate test lint fleet bench-fleet bench-fleet-default check-generated drift drift-update drift-propose breaking bench bench-pacing fuzz tour sync

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

generate: ## regenerate gen/ from openapi/loops.yaml
	$(GO) generate ./...
	gofmt -w gen

# Modules with their own go.mod (contrib/*, examples): ./... here does not
# reach them, so lint visits each one found, and so does scripts/test-all.
MODULES := $(patsubst %/go.mod,%,$(wildcard contrib/*/go.mod examples/go.mod examples/*/go.mod))
REDIS   := contrib/redislimiter

# The race detector sleeps a second before a test binary exits, to catch
# races with goroutines still running then (GORACE's atexit_sleep_ms,
# default 1000). make test runs over a dozen test binaries, so it skips
# that second; a GORACE of your own still applies, after this.
RACE_ENV := GORACE="atexit_sleep_ms=0 $(GORACE)"

test: ## run every test with the race detector, every module's, side by side (the README's test command; starts redis-server)
	$(RACE_ENV) GO="$(GO)" scripts/with-redis scripts/test-all

lint: ## gofmt check and go vet, every module's
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	@for m in $(MODULES); do echo "go vet ($$m)"; (cd $$m && $(GO) vet ./...) || exit 1; done

check-generated: generate ## fail when generated code (gen/, *.gen.go, api.md, go.mod) differs from a fresh generation
	@status=$$(git status --porcelain -- gen go.mod go.sum '*.gen.go' '*.gen.yaml' api.md); \
	if [ -n "$$status" ]; then echo "generated code is stale; run make generate and commit:"; echo "$$status"; git --no-pager diff --stat -- gen; exit 1; fi

drift: ## the drift gate: the contract vs the digest of Loops' spec (and, with SPEC=<file or URL>, that spec vs the digest)
	$(GO) run ./internal/cmd/drift $(if $(SPEC),-spec "$(SPEC)")

drift-update: ## rewrite openapi/upstream.lock.json from Loops' spec: make drift-update SPEC=<file or URL>
	@test -n "$(SPEC)" || { echo "usage: make drift-update SPEC=path/or/url/to/loops-openapi.yaml"; exit 2; }
	$(GO) run ./internal/cmd/drift -update -spec "$(SPEC)"

# The draft goes under build/drift (ignored by git): the patched contract
# and its diff against openapi/loops.yaml, for a person to review and apply
# (git apply build/drift/loops.yaml.diff). The report ends with the commands
# to run next.
drift-propose: ## draft the contract change for Loops' spec's additive moves: make drift-propose SPEC=<file or URL>
	@test -n "$(SPEC)" || { echo "usage: make drift-propose SPEC=path/or/url/to/loops-openapi.yaml"; exit 2; }
	@mkdir -p build/drift
	$(GO) run ./internal/cmd/drift -propose build/drift/loops.yaml -spec "$(SPEC)"
	@diff -u --label a/openapi/loops.yaml --label b/openapi/loops.yaml openapi/loops.yaml build/drift/loops.yaml > build/drift/loops.yaml.diff || test $$? = 1

breaking: ## fail when the contract breaks callers since the last release tag, unless CHANGELOG.md announces a major release
	@base=$$(git describe --tags --abbrev=0 --match 'v[0-9]*' 2>/dev/null); \
	if [ -z "$$base" ]; then echo "breaking: no release tag (vX.Y.Z) in this clone; nothing to compare against"; exit 0; fi; \
	if $(OASDIFF) breaking --fail-on ERR "$$base:openapi/loops.yaml" openapi/loops.yaml; then \
		echo "breaking: the contract breaks no caller of $$base"; \
	else \
		$(GO) run ./internal/cmd/changelog -breaking-since "$$base"; \
	fi

bench: ## run the benchmarks (but the slow pacing and fleet ones)
	$(GO) test -run='^$$' -bench='^Benchmark[^PF]' -benchmem ./loops/...

bench-pacing: ## 300 sends per server rate model over loopback, in real time (about 2 minutes)
	$(GO) test -run='^$$' -bench=BenchmarkPacingOverLoopback -benchtime=1x ./loops

# fuzz finds the targets in the test files of each package, so a new Fuzz
# function is fuzzed without editing this file.
FUZZTIME ?= 30s

fuzz: ## fuzz every Fuzz target of the main module, FUZZTIME (30s) each
	@n=0; for dir in $$($(GO) list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.Dir}}{{end}}' $(PKGS)); do \
		for f in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' $$dir/*_test.go); do \
			echo "== $$f ($${dir#$(CURDIR)/})"; n=$$((n+1)); \
			$(GO) test -run='^$$' -fuzz="^$$f\$$" -fuzztime=$(FUZZTIME) $$dir || exit 1; \
		done; \
	done; \
	if [ $$n = 0 ]; then echo "fuzz: found no Fuzz targets"; exit 1; fi; echo "fuzz: $$n targets, $(FUZZTIME) each"

fleet: ## 4 processes against one team's limit: default limiters, WithRateLimit(10/N) each, and contrib/redislimiter (starts redis-server)
	cd $(REDIS) && ../../scripts/with-redis $(GO) run ./examples/fleet

bench-fleet-default: ## fleets of 1-8 clients with their own limiters, no shared state, per server rate model, in real time (about 10 minutes)
	$(GO) test -run='^$$' -bench=BenchmarkFleetWithoutSharedState -benchtime=1x -timeout=30m ./loops

bench-fleet: ## the shared fleet's throughput and 429 share, as a benchmark (starts redis-server)
	cd $(REDIS) && ../../scripts/with-redis $(GO) test -run='^$$' -bench=BenchmarkFleet -benchtime=1x ./examples/fleet

tour: ## the README's main job: a runnable tour of the SDK
	$(GO) run ./examples/tour

sync: ## a bulk contact sync from a CSV with a progress bar; Ctrl-C, then run again to resume (examples/sync, its own module)
	cd examples/sync && $(GO) run .
