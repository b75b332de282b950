# The two commands a newcomer needs: `make run` and `make test`.
GO      ?= go
BIN     := bin
ARGS    ?=
# Folders with Node packages that the tests use; installed from their lock files.
NODE_DIRS := interop/amplify postman internal/dynalite/node infra
NODE_DEPS := $(addsuffix /node_modules/.package-lock.json,$(NODE_DIRS))

.PHONY: run test lint build clean help lambdas fuzz-seeds infra-test infra-go-test synth aws-local deploy bench openapi

## run: start the whole system in the foreground (ARGS="--addr 127.0.0.1:9090" to pass flags)
run:
	$(GO) run ./cmd/jobsd $(ARGS)

## aws-local: run the synthesized stack here under the Lambda runtime emulator (synthesizes it first if infra/cdk.out is missing; ARGS for flags)
aws-local: internal/dynalite/node/node_modules/.package-lock.json
	@test -f infra/cdk.out/manifest.json || $(MAKE) --no-print-directory synth
	$(GO) run ./cmd/awslocal $(ARGS)

## test: lint, then every test with the race detector (installs the Node packages and synthesizes the stack first)
test: lint $(NODE_DEPS) synth
	$(GO) test -race -count=1 ./...
	$(MAKE) --no-print-directory fuzz-seeds
	$(MAKE) --no-print-directory infra-go-test

%/node_modules/.package-lock.json: %/package-lock.json
	cd $* && npm ci --no-audit --no-fund

## lint: gofmt, go vet and staticcheck
lint:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

## build: build the commands into ./bin
build:
	$(GO) build -o $(BIN)/ ./cmd/...

## lambdas: build the Lambda functions for provided.al2023 on arm64 as bin/lambda/<name>/bootstrap
LAMBDAS := api processor errorhandler
# The bootstraps' build flags (why each tag: lambdabuild.BootstrapTags); internal/lambdabuild builds the local stack's with the same (a test checks).
LAMBDA_BUILD_FLAGS := -tags lambda.norpc,nomsgpack -trimpath '-ldflags=-s -w'
lambdas:
	@for fn in $(LAMBDAS); do \
		echo "building $(BIN)/lambda/$$fn/bootstrap"; \
		GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build $(LAMBDA_BUILD_FLAGS) \
			-o $(BIN)/lambda/$$fn/bootstrap ./cmd/$$fn-lambda || exit 1; \
	done
	@ls -l $(addprefix $(BIN)/lambda/,$(addsuffix /bootstrap,$(LAMBDAS)))

# jsii (under CDK) prints an end-of-life banner for Node 20 unless told not to.
CDK_ENV := JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20

## infra-test: the CDK app's tests, then `cdk synth` with the pinned CLI over the built Lambdas
infra-test: infra-go-test synth

infra-go-test: lambdas infra/node_modules/.package-lock.json
	cd infra && $(GO) vet ./... && $(CDK_ENV) $(GO) test -count=1 ./...

## synth: build the Lambdas and synthesize the stack into infra/cdk.out with the pinned CDK CLI
synth: lambdas infra/node_modules/.package-lock.json
	cd infra && $(CDK_ENV) npx cdk synth --quiet

## deploy: build the Lambdas and deploy the stack to the AWS account of your credentials (STAGE=dev: AsyncJobs-dev)
STAGE ?=
deploy: lambdas infra/node_modules/.package-lock.json
	cd infra && $(CDK_ENV) npx cdk deploy $(if $(STAGE),AsyncJobs-$(STAGE) -c stage=$(STAGE),AsyncJobs)

## bench: measure jobsd against a bare gin baseline and the targets of issue 12 (a few minutes; 1M jobs stored for GET); writes bench-results.json
bench:
	$(GO) run ./cmd/jobsbench $(BENCH_ARGS)

## openapi: write the job types' parameter schemas into handlers/openapi.json (after adding or changing a job type; a test fails when it is stale)
openapi:
	$(GO) run ./cmd/openapi

## clean: remove built binaries (not ./data)
clean:
	rm -rf $(BIN)

## help: list the targets
help:
	@grep -E '^## ' $(MAKEFILE_LIST) | sed 's/^## /  /'

# Fuzz targets as package:Target; go test -fuzz takes one target per run.
FUZZ_TARGETS := ./handlers:FuzzSubmit ./jobs:FuzzRegistryParameters ./push:FuzzNormalizeChannel \
	./push/localevents:FuzzClientMessages ./auth/sigv4:FuzzParseAuthorization
FUZZTIME ?= 3s

## fuzz-seeds: run each fuzz target for FUZZTIME (3s; FUZZTIME=10m for the long run)
fuzz-seeds:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "$(GO) test -run '^$$' -fuzz '^$${t#*:}$$' -fuzztime $(FUZZTIME) $${t%%:*}"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}\$$" -fuzztime $(FUZZTIME) "$${t%%:*}"; \
	done
