# esaflow — common tasks. Only Go is needed for build, test and demo;
# `make record` needs root and the packages from testdata/record/deps.sh.

GO ?= go

.PHONY: all build test vet demo bench record clean

all: vet test build

build:
	CGO_ENABLED=0 $(GO) build -o esaflow ./cmd/esaflow

test:
	bash .ci/run

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }

demo:
	CGO_ENABLED=0 $(GO) run ./cmd/esaflow analyze --flows testdata/sample.pcapng

# Micro-benchmarks of the hot paths, then a whole-capture run on a large
# generated capture (cached in testdata/bench/) against a read-only floor.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./flow/ ./classify/ ./capture/ ./report/
	$(GO) run ./internal/benchrun -dir testdata/bench

record:
	bash testdata/record/record.sh

clean:
	rm -f esaflow
	rm -rf testdata/bench
