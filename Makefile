# NormScope — the two commands a user needs are `make run` and `make test`.
SWIFT ?= swift
# Where SwiftPM builds (`make test SCRATCH=.build-x` keeps a second build apart).
SCRATCH ?= .build
BIN := $(SCRATCH)/release/normscope
# `make install` / `make uninstall`: the prefix (and DESTDIR, for packagers).
PREFIX ?= /usr/local
# Vector flags for this CPU (empty unless x86-64 with AVX2+FMA; NORMSCOPE_PORTABLE=1 disables).
CPUFLAGS := $(shell tools/cpu-flags.sh)

.PHONY: run test build deps test-deps bench fuzz format clean example figures install uninstall generate-manual

deps:
	@tools/ensure-deps.sh

test-deps:
	@tools/ensure-deps.sh --tests

build: deps
	$(SWIFT) build -c release $(CPUFLAGS) --scratch-path $(SCRATCH) --product normscope

## swift-argument-parser's man page generator (from the package's dependency; no network).
generate-manual:
	$(SWIFT) build -c release $(CPUFLAGS) --scratch-path $(SCRATCH) --product generate-manual

## Install the program, its man page, the bash/zsh/fish completion scripts (both generated from
## the program's own help) and the scene library under PREFIX (default /usr/local):
##   make install PREFIX=$$HOME/.local      then      make uninstall PREFIX=$$HOME/.local
install: build generate-manual
	DESTDIR=$(DESTDIR) tools/install.sh install $(BIN) $(PREFIX)

## Remove exactly what `make install` wrote under PREFIX.
uninstall:
	DESTDIR=$(DESTDIR) tools/install.sh uninstall $(PREFIX)

## Build release and open the live dashboard on the default experiment.
run: build
	$(BIN) $(ARGS)

## Run every test. Release mode: the claim checks train real networks.
test: test-deps generate-manual
	$(SWIFT) build -c release $(CPUFLAGS) --scratch-path $(SCRATCH) --build-tests
	$(SWIFT) test -c release $(CPUFLAGS) --scratch-path $(SCRATCH) --skip-build
	Tests/cli/run.sh $(BIN)
	Tests/e2e/tmux.sh $(BIN)
	$(MAKE) example
	SWIFT=$(SWIFT) tools/portable-check.sh $(BIN)

## The library example (examples/, a package depending on this one): build, run, and check
## that the BN-paper MLP it trains reaches at least 95 % validation accuracy.
example:
	@# SwiftPM keeps a path dependency's file list from an earlier build; a source file added
	@# since then is missing from it, so a failed build is retried once from scratch.
	$(SWIFT) build -c release $(CPUFLAGS) --package-path examples \
	  || { rm -rf examples/.build && $(SWIFT) build -c release $(CPUFLAGS) --package-path examples; }
	@out=$$(examples/.build/release/bn-paper-mlp) && printf '%s\n' "$$out" \
	  && printf '%s\n' "$$out" | awk '/^validation accuracy:/ { found = 1; ok = ($$3 + 0 >= 0.95) } END { exit !(found && ok) }'

## Regenerate the measured figures in README.md's scene table from every scene's `figure`
## lines, played headless with its declared seeds (the library test checks them).
figures: build
	tools/figures.sh $(BIN)

## Benchmarks (release build); never part of `make test`.
bench: deps
	$(SWIFT) build -c release $(CPUFLAGS) --product normscope
	$(SWIFT) build -c release $(CPUFLAGS) --product NormBench
	benchmarks/run

## Coverage-guided fuzzing (libFuzzer + ASan, docs/fuzzing.md): 10^6 inputs for each of the
## scene, spec, csv, idx and format targets; fails on any crash, timeout or out-of-memory.
## Never part of `make test` (which runs the hand-written fuzzer's 10,000 inputs).
fuzz: deps
	SWIFT=$(SWIFT) tools/fuzz.sh

format:
	$(SWIFT) format -i -r Sources Tests Package.swift

clean:
	rm -rf .build .build-portable examples/.build
