# NormScope — the two commands a user needs are `make run` and `make test`.
SWIFT ?= swift
BIN := .build/release/normscope

.PHONY: run test build deps test-deps bench format clean

deps:
	@tools/ensure-deps.sh

test-deps:
	@tools/ensure-deps.sh --tests

build: deps
	$(SWIFT) build -c release --product normscope

## Build release and open the live dashboard on the default experiment.
run: build
	$(BIN) $(ARGS)

## Run every test. Release mode: the claim checks train real networks.
test: test-deps
	$(SWIFT) build -c release --build-tests
	$(SWIFT) test -c release --skip-build
	Tests/cli/run.sh $(BIN)
	Tests/e2e/tmux.sh $(BIN)

## Benchmarks (release build); never part of `make test`.
bench: deps
	$(SWIFT) build -c release --product normscope
	$(SWIFT) build -c release --product NormBench
	benchmarks/run

format:
	$(SWIFT) format -i -r Sources Tests Package.swift

clean:
	rm -rf .build
