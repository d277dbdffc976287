# esaflow — common tasks. Only Go is needed for build, test and demo;
# `make record` needs root and the packages `make record-deps` installs.

GO ?= go

.PHONY: all build test vet demo bench pgo fuzz record record-deps live-load clean dist

all: vet test build

# Live capture loads libpcap at run time: no cgo or libpcap headers are
# needed to build it (esaflow version says whether libpcap loads here).
build:
	$(GO) build -buildvcs=auto -o esaflow ./cmd/esaflow

test:
	bash .ci/run

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }

demo:
	CGO_ENABLED=0 $(GO) run ./cmd/esaflow analyze --flows testdata/sample.pcapng

# Micro-benchmarks of the hot paths, then a whole-capture run on a large
# generated capture (cached in testdata/bench/) against a read-only floor,
# and a mixed capture (mostly TLS, HTTP, FTP, DNS; SMTP on unlisted ports
# found by content) against the all-SMTP one.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./flow/ ./classify/ ./capture/ ./report/
	$(GO) run ./internal/benchrun -dir testdata/bench

# Refreshes cmd/esaflow/default.pgo, the CPU profile go build optimises esaflow
# with (profile-guided optimisation): five runs of analyze on the generated
# benchmark capture, built without the old profile, merged into one.
PGO_CAPTURE = testdata/bench/smtp-1024MiB-gen2.pcap
pgo:
	test -f $(PGO_CAPTURE) || $(GO) run ./internal/benchrun -dir testdata/bench -checks throughput -runs 1 -others=false
	$(GO) build -pgo=off -o testdata/bench/esaflow-nopgo ./cmd/esaflow
	for i in 1 2 3 4 5; do \
		ESAFLOW_CPUPROFILE=testdata/bench/cpu$$i.prof testdata/bench/esaflow-nopgo analyze --format jsonl $(PGO_CAPTURE) >/dev/null || exit 1; \
	done
	$(GO) tool pprof -proto testdata/bench/cpu[1-5].prof > cmd/esaflow/default.pgo
	rm -f testdata/bench/cpu[1-5].prof testdata/bench/esaflow-nopgo

# Runs every fuzz target for FUZZTIME each; a failing input is written under
# the package's testdata/fuzz/ and becomes a test case once committed.
FUZZTIME ?= 30s
fuzz:
	@for t in capture:FuzzReader capture:FuzzReadBatchMatchesNext flow:FuzzDecode \
		flow:FuzzTrackerLifecycle engine:FuzzAsyncClassificationGivesTheSequentialReport \
		classify:FuzzSessionPayloads classify:FuzzTLSStream report:FuzzRecordJSON \
		internal/expect:FuzzParse classify/tlsdecrypt:FuzzRecord maillog:FuzzRead; do \
		echo "== $${t#*:} (./$${t%%:*}, $(FUZZTIME))"; \
		$(GO) test ./$${t%%:*} -run '^$$' -fuzz "^$${t#*:}$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

# The recording rigs (root, Debian 12; record-deps installs what they run):
# record.sh the first rig (Postfix, postscreen, HAProxy, nftables), wild.sh
# other MTAs and clients and captures cut or one-sided, tls.sh OpenSSL and
# GnuTLS on both sides.
record:
	bash testdata/record/record.sh
	bash testdata/record/wild.sh
	bash testdata/record/tls.sh

# esaflow live against tcpdump at rising rates over a veth pair between two
# namespaces it creates, then 10-minute soaks (root; ~50 min; docs/live-load.md).
live-load:
	bash testdata/live/load.sh

record-deps:
	bash testdata/record/deps.sh
	bash testdata/record/deps-wild.sh
	bash testdata/record/deps-tls.sh

# Release artifacts in dist/: pure-Go binaries (CGO_ENABLED=0) for linux,
# darwin and windows on amd64 and arm64, which capture live wherever libpcap
# is installed (loaded at run time; the linux ones link only glibc's dynamic
# loader, the windows ones have no live capture), the man pages and shell
# completions, and SHA256SUMS over all of them.
DIST_TARGETS = linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
dist:
	rm -rf dist && mkdir -p dist
	for t in $(DIST_TARGETS); do \
		os=$${t%/*}; arch=$${t#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -buildvcs=auto -ldflags=-s \
			-o dist/esaflow-$$os-$$arch$$ext ./cmd/esaflow || exit 1; \
	done
	CGO_ENABLED=0 $(GO) run -buildvcs=auto ./cmd/esaflow gen-docs dist
	tar -C dist -czf dist/esaflow-docs.tar.gz man1 completions && rm -rf dist/man1 dist/completions
	cd dist && sha256sum esaflow-* > SHA256SUMS

clean:
	rm -f esaflow
	rm -rf testdata/bench dist
