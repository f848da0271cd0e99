# mskvpce — run `make` (or `make help`) for the targets.
#
# Tools build into bin/ (gitignored) and are pinned in tools/ (see tools/README.md):
#   bin/providers/<name>/terraform-provider-<name>   providers Terraform resolves through
#                                                    the dev_overrides in bin/terraformrc
#   bin/tfgate bin/tflint bin/iacscan                the offline gate and its linters
# Every tool target is a file target: `make tools` rebuilds only what is missing
# or older than its sources.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO        ?= go
BIN       := $(CURDIR)/bin
TERRAFORM ?= terraform

# Go's garbage collector at GOGC=400 unless you set it: the compiler spends
# less of a cold build collecting (the AWS SDK's EC2 client, the largest
# package here: 96 → 80 s CPU, at most ~5 GB for that one compile). The tests
# and Terraform inherit it; 24 GiB machines have the room.
export GOGC ?= 400

# Schema-only providers: one embedded schema each (tools/schemas/<name>.json.gz,
# written by `make schemas`). Adding one is a word here plus its source address.
SCHEMA_PROVIDERS := aws
PROVIDER_SOURCE_aws        := registry.terraform.io/hashicorp/aws
PROVIDER_SOURCE_databricks := registry.terraform.io/databricks/databricks

# Real providers built from source, when their pin module exists (tools/<name>/go.mod).
SOURCE_PROVIDERS := $(if $(wildcard tools/databricks/go.mod),databricks)
PROVIDER_PKG_databricks := github.com/databricks/terraform-provider-databricks

PROVIDERS      := $(SCHEMA_PROVIDERS) $(SOURCE_PROVIDERS)
PROVIDER_BINS  := $(foreach p,$(PROVIDERS),$(BIN)/providers/$(p)/terraform-provider-$(p))
TOOLS_GO_SRC   := $(shell find tools/cmd tools/internal tools/schemas -name '*.go' 2>/dev/null) tools/go.mod tools/go.sum $(wildcard internal/cmdline/*.go) internal/cmdline/go.mod

.PHONY: help
help: ## List the targets
	@echo "Usage: make <target>"
	@echo
	@# One column for every description, as wide as the longest target.
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk 'BEGIN {FS = ":.*## "} {t[NR] = $$1; d[NR] = $$2; if (length($$1) > w) w = length($$1)} END {for (i = 1; i <= NR; i++) printf "  %-" w "s  %s\n", t[i], d[i]}'

.PHONY: tools
tools: $(PROVIDER_BINS) $(BIN)/tfgate $(BIN)/tflint $(BIN)/iacscan $(BIN)/terraformrc ## Build the pinned offline tools into bin/ (incremental)

# What offline planning needs (docs/testing.md, "Planning offline"): both providers and
# bin/terraformrc, without tflint or trivy. A cold build is the Databricks
# provider's (~1.5 min on 2 cores).
.PHONY: plan-tools
plan-tools: $(PROVIDER_BINS) $(BIN)/terraformrc ## Build only what offline planning needs (providers + bin/terraformrc; no trivy)

# Test binaries and the tools link without DWARF (-w): the link takes about
# half the time (the Databricks provider's 4.5 s → 2.8 s, deploy's test binary
# 6.1 s → 3.7 s on 2 cores), and stack traces and race reports still name
# file and line (they come from Go's own symbol table). Only the link differs,
# so every compiled package is shared with go vet and the operator binaries.
LINK_FLAGS := -ldflags=-w

# The operator binaries. Exit codes are part of their contract, and `go run`
# turns every non-zero one into 1: scripts and CI use these.
CMDS := verify deploy localmsk e2e-cleanup

.PHONY: build $(addprefix bin/,$(CMDS))
build: ## Build bin/verify, bin/deploy, bin/localmsk, bin/e2e-cleanup (Go's cache keeps it incremental)
	$(GO) build -o $(BIN)/ $(addprefix ./cmd/,$(CMDS))

$(addprefix bin/,$(CMDS)):
	$(GO) build -o $(BIN)/ ./cmd/$(@F)

# The verify canary's Lambda artifact (terraform/modules/verify-canary):
# cross-compiled from this repository, one executable named bootstrap, mode
# 0755 recorded with a Unix creator (Info-ZIP zip), so Lambda can run it.
.PHONY: verify-lambda-zip
verify-lambda-zip: ## Build bin/verify-lambda.zip (linux/arm64) for enable_verify_canary / the verify-canary module
	rm -rf $(BIN)/verify-lambda && mkdir -p $(BIN)/verify-lambda
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -tags lambda.norpc -o $(BIN)/verify-lambda/bootstrap ./cmd/verify-lambda
	chmod 0755 $(BIN)/verify-lambda/bootstrap
	rm -f $(BIN)/verify-lambda.zip && cd $(BIN)/verify-lambda && zip -X -q $(BIN)/verify-lambda.zip bootstrap
	@echo "wrote $(BIN)/verify-lambda.zip: set verify_canary_lambda_zip_path (or the module's lambda_zip_path) to it"

# The broker healer's Lambda artifact (terraform/modules/broker-healer), built
# the same way.
.PHONY: heal-lambda-zip
heal-lambda-zip: ## Build bin/heal-lambda.zip (linux/arm64) for the broker-healer module
	rm -rf $(BIN)/heal-lambda && mkdir -p $(BIN)/heal-lambda
	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -tags lambda.norpc -o $(BIN)/heal-lambda/bootstrap ./cmd/heal-lambda
	chmod 0755 $(BIN)/heal-lambda/bootstrap
	rm -f $(BIN)/heal-lambda.zip && cd $(BIN)/heal-lambda && zip -X -q $(BIN)/heal-lambda.zip bootstrap
	@echo "wrote $(BIN)/heal-lambda.zip: set the broker-healer module's lambda_zip_path to it"

# What test/gate needs to break a copy of the AWS module (no tflint, no databricks).
.PHONY: gate-tools
gate-tools: $(BIN)/tfgate $(BIN)/iacscan $(BIN)/providers/aws/terraform-provider-aws $(BIN)/terraformrc

# No -trimpath for any tool: built with the flags `go vet` and `go test` use
# (make lint, make test), their dependencies compile once on a cold cache, not
# twice, and every tool shares one compile of the standard library.
$(BIN)/schema-provider: $(TOOLS_GO_SRC) $(wildcard tools/schemas/*.json.gz)
	cd tools && $(GO) build $(LINK_FLAGS) -o $@ ./cmd/schema-provider

# A schema-only provider is a hard link to the one binary: it picks its
# embedded schema by its own file name.
$(foreach p,$(SCHEMA_PROVIDERS),$(BIN)/providers/$(p)/terraform-provider-$(p)): $(BIN)/schema-provider
	mkdir -p $(@D) && ln -f $< $@

$(BIN)/providers/databricks/terraform-provider-databricks: tools/databricks/go.mod tools/databricks/go.sum
	mkdir -p $(@D) && cd tools/databricks && $(GO) build $(LINK_FLAGS) -o $@ $(PROVIDER_PKG_databricks)

$(BIN)/tfgate: $(TOOLS_GO_SRC)
	cd tools && $(GO) build $(LINK_FLAGS) -o $@ ./cmd/tfgate

$(BIN)/tflint: tools/tflint/go.mod tools/tflint/go.sum
	cd tools/tflint && $(GO) build $(LINK_FLAGS) -o $@ github.com/terraform-linters/tflint

# The gate's trivy check: trivy's Terraform scanner and embedded checks as a
# library (tools/iacscan), 853 packages instead of the whole CLI's ~3,080
# (go-getter, which only remote module downloads use, replaced by
# tools/iacscan/offlinegetter).
IACSCAN_SRC := $(shell find tools/iacscan -name '*.go' -not -name '*_test.go' 2>/dev/null) tools/iacscan/go.mod tools/iacscan/go.sum
$(BIN)/iacscan: $(IACSCAN_SRC)
	cd tools/iacscan && $(GO) build $(LINK_FLAGS) -o $@ .

# Every file target also answers to its name relative to the repository
# (`make bin/schema-provider`): the rules above are on absolute paths because
# their recipes cd into tools/.
TOOL_FILES := $(BIN)/schema-provider $(PROVIDER_BINS) $(BIN)/tfgate $(BIN)/tflint $(BIN)/iacscan $(BIN)/terraformrc
$(foreach f,$(TOOL_FILES),$(eval $(patsubst $(CURDIR)/%,%,$(f)): $(f) ;))

# dev_overrides: Terraform runs bin/providers/<name>/ for the provider's source
# address, without the registry and without lock-file checksums. The
# filesystem mirror (links to the same binaries, at the versions the schemas
# come from) lets `terraform init` succeed offline too; without it init asks
# the registry even for overridden providers.
PROVIDER_VERSION_aws        := 6.9.0
PROVIDER_VERSION_databricks := 1.84.0
PLATFORM := $(shell $(GO) env GOOS)_$(shell $(GO) env GOARCH)
comma := ,
MIRRORED := $(subst $(eval) ,$(comma) ,$(foreach p,$(PROVIDERS),"$(PROVIDER_SOURCE_$(p))"))

$(BIN)/terraformrc: Makefile
	@mkdir -p $(@D)
	@$(foreach p,$(PROVIDERS),d=$(BIN)/mirror/$(PROVIDER_SOURCE_$(p))/$(PROVIDER_VERSION_$(p))/$(PLATFORM); \
	   mkdir -p $$d && ln -sfn $(BIN)/providers/$(p)/terraform-provider-$(p) $$d/terraform-provider-$(p)_v$(PROVIDER_VERSION_$(p));)
	@{ echo '# Generated by make tools. Use: TF_CLI_CONFIG_FILE=$(BIN)/terraformrc terraform ...'; \
	   echo 'provider_installation {'; \
	   echo '  dev_overrides {'; \
	   $(foreach p,$(PROVIDERS),echo '    "$(PROVIDER_SOURCE_$(p))" = "$(BIN)/providers/$(p)"';) \
	   echo '  }'; \
	   echo '  filesystem_mirror {'; \
	   echo '    path    = "$(BIN)/mirror"'; \
	   echo '    include = [$(MIRRORED)]'; \
	   echo '  }'; \
	   echo '  direct {'; \
	   echo '    exclude = [$(MIRRORED)]'; \
	   echo '  }'; \
	   echo '}'; } > $@
	@echo "wrote $@"

.PHONY: schemas
schemas: ## Regenerate tools/schemas/*.json.gz from the pinned schema modules (slow: compiles the AWS schema module)
	cd tools/schemagen && $(GO) run . -provider aws -out ../schemas/aws.json.gz

# Module README input/output tables, generated from each module's HCL
# (tools/internal/moduledocs); the gate's docs check fails while one is stale.
.PHONY: docs
docs: ## Regenerate the input/output tables in the README.md of terraform/modules/* and terraform/examples/* from the HCL
	cd tools && $(GO) run ./cmd/moduledocs --root $(CURDIR)

.PHONY: validate
validate: tools ## The offline Terraform gate: fmt, docs, init, validate, test, tflint, trivy
	$(BIN)/tfgate --root $(CURDIR)

.PHONY: lint
lint: ## gofmt and go vet (main module, tools/ and the modules they share)
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '^tools/\(trivy\|tflint\|databricks\)/') 2>&1); \
	  if [ -n "$$out" ]; then echo "gofmt: these files need formatting (run gofmt -w):"; echo "$$out"; exit 1; fi
	$(GO) vet $(RACE) ./...
	cd tools && $(GO) vet ./...
	cd tools/iacscan && $(GO) vet ./...
	cd tools/iacscan/offlinegetter && $(GO) vet ./...
	cd internal/cmdline && $(GO) vet ./...

# The docs' blocks (README.md, docs/*.md) compile with make test's flags
# (GOFLAGS): they reuse its packages, and their flows run under the race
# detector too.
# plan-tools first, so that the blocks' `make plan-tools` finds them built
# (GOFLAGS would otherwise reach the tools module's builds).
.PHONY: readme-offline
readme-offline: plan-tools ## Run the `sh offline` blocks of README.md and docs/*.md as written (test/readme-offline.sh)
	GOFLAGS='$(strip $(GOFLAGS) $(RACE))' test/readme-offline.sh

# make test compiles the main module once, with the race detector: go vet,
# every test, the binaries tests build (internal/testbin) and the README's
# blocks share those ~1,000 packages. Each build configuration compiles the
# AWS SDK anew (a second, non-race one cost a cold CI run ~110 s on 2 cores),
# and every test runs under the detector: concurrency is proven by it.
# `make test RACE=` runs without it (where -race is unsupported; not CI).
RACE := -race

# The packages that run goroutines (verifier, local cluster, sweeper, the
# flows, the rule lifecycle and the fakes): `make race` reruns their tests,
# uncached, while working on concurrency.
RACE_PKGS := ./internal/verify/... ./internal/localmsk/... ./internal/sweep/... ./test ./internal/controlplane/awsfake ./internal/deploy/cli

.PHONY: test
test: tools lint validate readme-offline ## tools + lint + validate + the docs' offline blocks + every Go test, under the race detector (the README's test command)
	cd tools && $(GO) test $(LINK_FLAGS) ./...
	cd tools/iacscan && $(GO) test $(LINK_FLAGS) ./...
	cd tools/iacscan/offlinegetter && $(GO) test $(LINK_FLAGS) ./...
	cd internal/cmdline && $(GO) test $(LINK_FLAGS) ./...
	@# -vet=off: make lint ran go vet over every package already.
	$(GO) test -vet=off $(RACE) $(LINK_FLAGS) ./...

.PHONY: demo
demo: ## The README's first command: a local MSK-like cluster, verified through each NLB stand-in (no AWS)
	$(GO) run ./cmd/verify --local

.PHONY: localmsk
localmsk: ## Run the local MSK-like environment until Ctrl-C (state in .localmsk/)
	$(GO) run ./cmd/localmsk --dir .localmsk

.PHONY: race
race: ## The race detector over the packages that run goroutines, uncached (make test runs every package this way)
	$(GO) test -vet=off -race $(LINK_FLAGS) -count=1 $(RACE_PKGS)

.PHONY: e2e-local
e2e-local: ## The end-to-end flow against the local MSK-like environment, under the race detector (also part of make test)
	@# make test's flags: after make test it reuses that test binary.
	$(GO) test -vet=off $(RACE) $(LINK_FLAGS) -count=1 -run 'TestE2ELocal' -v ./test/

.PHONY: e2e
e2e: ## The end-to-end flow on real AWS (needs credentials and AWS_REGION; MSK takes 15-30 min; skips without credentials)
	$(GO) test -tags e2e -count=1 -timeout 120m -run 'TestE2EAWS' -v ./test/

.PHONY: bench
bench: ## Benchmarks behind the figures in docs/benchmarks.md
	$(GO) test -run '^$$' -bench . -benchtime 30x ./internal/verify/...
	$(GO) test -run '^$$' -bench . -benchtime 2s ./internal/localmsk/...
	$(GO) test -run '^$$' -bench . -benchmem ./internal/mskiam ./internal/mskauthz ./internal/controlplane ./internal/heal ./internal/deploy ./internal/tfrunner
	cd tools && $(GO) test -run '^$$' -bench . ./internal/schemaprovider

# The parsers of files an operator passes (--tf-outputs, --policy,
# --local-info) are fuzzed here too; their seeds and the corpus under each
# package's testdata/fuzz run in every `go test`, at no build cost.
.PHONY: fuzz
fuzz: ## Fuzz token parsing, Kafka framing, authorization and the parsers of operator files (deploy's deployment.json, --tf-outputs, --policy, info.json; count-based: time-based -fuzztime stalls on loaded hosts)
	$(GO) test ./internal/mskiam -run '^$$' -fuzz '^FuzzVerifyOAuthBearer$$' -fuzztime 100000x
	$(GO) test ./internal/mskiam -run '^$$' -fuzz '^FuzzVerifyAWSMSKIAM$$' -fuzztime 100000x
	$(GO) test ./internal/mskauthz -run '^$$' -fuzz '^FuzzCheck$$' -fuzztime 100000x
	$(GO) test ./internal/mskauthz -run '^$$' -fuzz '^FuzzParsePolicy$$' -fuzztime 100000x
	$(GO) test ./internal/tfoutputs -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 100000x
	$(GO) test ./internal/localmsk -run '^$$' -fuzz '^FuzzParseInfo$$' -fuzztime 100000x
	for f in FuzzParseRequest FuzzReadFrame FuzzRelay; do $(GO) test ./internal/localmsk -run '^$$' -fuzz "^$$f$$" -fuzztime 20000x || exit 1; done
	$(GO) test ./internal/deploy -run '^$$' -fuzz '^FuzzParseSettings$$' -fuzztime 100000x

.PHONY: clean
clean: ## Remove bin/, caches and Terraform working directories
	rm -rf $(BIN) .cache
	find terraform test tools/testdata -name .terraform -type d -prune -exec rm -rf {} + 2>/dev/null || true
