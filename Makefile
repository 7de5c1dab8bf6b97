# kdyn — the two commands a new machine needs are `make demo` and `make test`.
GO      ?= go
PKGS    := ./...
GOFLAGS_TEST ?= -race -count=1
# staticcheck runs through `go run` at this pinned version, so a fresh machine
# needs nothing installed beyond Go.
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: demo test unit lint bench bench-short e2e

## demo: run kdyn's main job against the bundled fixture cluster (no real cluster needed)
demo:
	$(GO) run ./cmd/kdyn demo

## test: everything CI runs: lint, the library's tests under -race (fuzz seed
## corpora included), the benchmarks once each in short mode so they never rot,
## and the end-to-end suite against a real kube-apiserver.
test: lint unit bench-short e2e

unit:
	$(GO) test $(GOFLAGS_TEST) $(PKGS)

## lint: gofmt, go vet and staticcheck over the three modules; any finding fails.
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	cd bench && $(GO) vet ./...
	cd e2e && $(GO) vet ./...
	$(STATICCHECK) $(PKGS)
	cd bench && $(STATICCHECK) ./...
	cd e2e && $(STATICCHECK) ./...

## bench-short: every benchmark workload once, on small clusters, plus the
## checks that kdyn, client-go and controller-runtime give the same answers.
bench-short:
	cd bench && $(GO) test -p 1 -short -count=1 -run . -bench . -benchtime 1x .

## bench: kdyn beside client-go and controller-runtime (bench/ module, ~7 min; then the e2e module's
## BenchmarkTestServers, the fixture server beside kube-apiserver + etcd); writes bench/RESULTS.md.
BENCH_COUNT ?= 3
bench:
	cd bench && $(GO) test -p 1 -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) -timeout 60m . > bench.out 2>&1 \
	  || { cat bench.out; exit 1; }
	$(MAKE) --no-print-directory e2e E2E_ARGS='-run ^$$$$ -bench BenchmarkTestServers -benchmem -count $(BENCH_COUNT)' >> bench/bench.out 2>&1 \
	  || { cat bench/bench.out; exit 1; }
	cd bench && $(GO) run ./cmd/report -in bench.out -out RESULTS.md -notes notes.md

## e2e: kdyn against a real kube-apiserver + etcd built from Go modules (cold build ~15 min, then seconds).
## The -X flags make /version report v1.37.2 (kubectl and kdyn parse it); never build it with -trimpath.
e2e:
	cd e2e && $(GO) test -p 1 -count=1 -timeout 80m -v \
	  -ldflags "-X k8s.io/component-base/version.gitVersion=v1.37.2 \
	    -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37 \
	    -X k8s.io/component-base/version.gitCommit=0000000000000000000000000000000000000000 \
	    -X k8s.io/component-base/version.gitTreeState=clean \
	    -X k8s.io/component-base/version.buildDate=2026-01-01T00:00:00Z" \
	  ./... $(E2E_ARGS)
