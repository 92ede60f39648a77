# Everything a contributor or CI runs. `make help` lists the targets.
GO      ?= go
SPEC    ?=
PKGS    := ./...

.PHONY: help generate test test-short lint check-generated upstream-diff bench fuzz tour

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

generate: ## regenerate gen/ from openapi/loops.yaml
	$(GO) generate ./...
	gofmt -w gen

test: ## run every test with the race detector (the README's test command)
	$(GO) test -race -count=1 -shuffle=on $(PKGS)

lint: ## gofmt check and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

check-generated: generate ## fail when gen/ (or go.mod) differs from a fresh generation
	@status=$$(git status --porcelain -- gen go.mod go.sum); \
	if [ -n "$$status" ]; then echo "generated code is stale; run make generate and commit:"; echo "$$status"; git --no-pager diff --stat -- gen; exit 1; fi

upstream-diff: ## compare with an official spec: make upstream-diff SPEC=<file or URL>
	@test -n "$(SPEC)" || { echo "usage: make upstream-diff SPEC=path/or/url/to/loops-openapi.yaml"; exit 2; }
	$(GO) run ./internal/cmd/upstreamdiff -ours openapi/loops.yaml -upstream "$(SPEC)"

bench: ## run the benchmarks
	$(GO) test -run='^$$' -bench=. -benchmem ./loops/...

fuzz: ## fuzz the error decoder and the Retry-After parser for a while
	$(GO) test -run='^$$' -fuzz=FuzzDecodeError -fuzztime=30s ./loops
	$(GO) test -run='^$$' -fuzz=FuzzParseRetryAfter -fuzztime=30s ./loops

tour: ## the README's main job: a runnable tour of the SDK
	$(GO) run ./examples/tour
