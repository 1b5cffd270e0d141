# labrun — build, test and demo. Every target that builds installs what it needs first.
SWIFT ?= swift
SWIFT_BUILD_FLAGS ?= -Xswiftc -warnings-as-errors
PREFIX ?= /usr/local
DESTDIR ?=
APT_PACKAGES := libssh2-1-dev libcurl4-openssl-dev libyaml-dev openssh-server openssh-client netcat-openbsd pkg-config sudo tmux man-db strace
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# What argument-parser's generate-manual plugin writes.
MANUAL := .build/plugins/GenerateManual/outputs/labrun/labrun.1
# The man page is dated by its commit, so one commit gives one page (today, without git).
MANUAL_DATE := $(shell git log -1 --format=%cs 2>/dev/null)
VERSION := $(shell sed -n 's/.*current = "\(.*\)"/\1/p' Sources/LabPipeline/LabrunVersion.swift)
DIST_NAME := labrun-$(VERSION)-linux-$(shell uname -m)
STAGE := .build/stage

.PHONY: deps build test lint bench bench-fleet stress demo release install dist clean

## deps: install the system packages labrun builds and tests against (apt), when missing
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "make deps: system packages present"; fi

## build: the labrun binary (debug), warnings are errors
build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

# Where the tests make their files (TestSupport's TemporaryDirectory); checked after the suite.
TEST_ROOT := $(CURDIR)/.build/test-root

# The labrun the end-to-end tests and the simulated hosts run: a debug build with the Swift
# runtime linked in, as released (--static-swift-stdlib cannot build the test bundle, so it has a
# build directory of its own). It starts in ~60% of the shared-library build's CPU time, and the
# suite starts labrun thousands of times (every simulated kubectl, helm, nvidia-smi is labrun).
TEST_BINARY_BUILD := .build/static

## test: every test, against a real loopback sshd, the built binary and its man page; then
## checks that the tests left no file under $(TEST_ROOT) and no process they started
test: deps
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	@# A build with nothing to compile skips the plugins' prebuild commands, so after a commit that
	@# touched no source of labrun its --version would name the commit before: the recorded commit
	@# is written first, as the plugin would (rewritten only when it changed; then labrun relinks).
	for d in $(TEST_BINARY_BUILD)/plugins/outputs/*/labrun/destination/BuildCommit/generated; do \
	  [ ! -d "$$d" ] || scripts/build-commit.sh . "$$d" || exit 1; done
	$(SWIFT) build --static-swift-stdlib $(SWIFT_BUILD_FLAGS) --product labrun --scratch-path $(TEST_BINARY_BUILD)
	$(SWIFT) package $(SWIFT_BUILD_FLAGS) generate-manual --configuration debug
	rm -rf $(TEST_ROOT) && mkdir -p $(TEST_ROOT)
	LABRUN_TEST_ROOT=$(TEST_ROOT) LABRUN_TEST_BINARY=$(CURDIR)/$(TEST_BINARY_BUILD)/debug/labrun \
	  $(SWIFT) test --skip-build --parallel; \
	  suite=$$?; scripts/check-test-leftovers.sh $(TEST_ROOT); leftovers=$$?; \
	  [ $$suite -eq 0 ] && [ $$leftovers -eq 0 ]

## lint: swift format lint --strict over every tracked Swift file
lint:
	git ls-files -z '*.swift' | xargs -0 $(SWIFT) format lint --strict

## bench: SSH per-command latency and SFTP throughput vs OpenSSH on loopback, a simulated run, and
## fleets of 1, 16 and 64 simulated hosts at --parallel 16 (not a test)
bench: deps
	$(SWIFT) build -c release --product labrun-bench
	$(SWIFT) build -c release --product labrun
	.build/release/labrun-bench

## bench-fleet: only the fleet figures (fleets of 1, 16, 64 simulated hosts at --parallel 16)
bench-fleet: deps
	$(SWIFT) build -c release --product labrun-bench
	$(SWIFT) build -c release --product labrun
	.build/release/labrun-bench fleet

## stress: the release labrun pings a real loopback sshd with an unknown host key STRESS_COUNT
## times (200) and fails on any crash (issue 12: a teardown race at exit); not part of test
STRESS_COUNT ?= 200
stress: deps
	$(SWIFT) build -c release $(SWIFT_BUILD_FLAGS) --product labrun
	scripts/stress-ping.sh .build/release/labrun $(STRESS_COUNT)

## demo: the whole lab on the built-in simulated GPU host; leaves validation.md here
demo: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --product labrun
	.build/debug/labrun run --host sim > validation.md
	@echo "make demo: validation page written to $(CURDIR)/validation.md"

## release: labrun as it is installed, in $(STAGE): a release build with the Swift runtime
## linked in (--static-swift-stdlib), its man page (argument-parser's generate-manual plugin),
## its bash, zsh and fish completions, and the README
## (The man page documents the command line, the same in every build: the plugin builds, or
## reuses, the debug configuration of `make build` and `make test` rather than a second release
## build; --static-swift-stdlib changes every compile step, and the plugin cannot pass it.)
release: deps
	$(SWIFT) package $(SWIFT_BUILD_FLAGS) generate-manual --configuration debug \
	  $(if $(MANUAL_DATE),--date $(MANUAL_DATE))
	$(SWIFT) build -c release --static-swift-stdlib $(SWIFT_BUILD_FLAGS) --product labrun
	rm -rf $(STAGE)
	install -d $(STAGE)/bin $(STAGE)/share/man/man1 $(STAGE)/share/bash-completion/completions \
	  $(STAGE)/share/zsh/site-functions $(STAGE)/share/fish/vendor_completions.d $(STAGE)/share/doc/labrun
	install -m 0755 .build/release/labrun $(STAGE)/bin/labrun
	install -m 0644 $(MANUAL) $(STAGE)/share/man/man1/labrun.1
	install -m 0644 README.md $(STAGE)/share/doc/labrun/README.md
	$(STAGE)/bin/labrun --generate-completion-script bash > $(STAGE)/share/bash-completion/completions/labrun
	$(STAGE)/bin/labrun --generate-completion-script zsh > $(STAGE)/share/zsh/site-functions/_labrun
	$(STAGE)/bin/labrun --generate-completion-script fish > $(STAGE)/share/fish/vendor_completions.d/labrun.fish

## install: labrun, its man page and completions under $(DESTDIR)$(PREFIX) (default /usr/local)
install: release
	cd $(STAGE) && find . -type f | while read -r f; do \
	  install -D -m "$$([ -x "$$f" ] && echo 0755 || echo 0644)" "$$f" "$(DESTDIR)$(PREFIX)/$${f#./}" || exit 1; \
	done
	@echo "make install: $(DESTDIR)$(PREFIX)/bin/labrun, man page and completions installed"

## dist: .build/dist/$(DIST_NAME).tar.gz, the release tree under one folder (unpack it as a
## PREFIX), with the shared libraries and newest glibc symbol version the binary needs
dist: release
	rm -rf .build/dist && install -d .build/dist/$(DIST_NAME)
	cp -R $(STAGE)/. .build/dist/$(DIST_NAME)/
	tar -C .build/dist --sort=name --owner=0 --group=0 --numeric-owner \
	  $(if $(MANUAL_DATE),--mtime=$(MANUAL_DATE)) -czf .build/dist/$(DIST_NAME).tar.gz $(DIST_NAME)
	@echo "make dist: .build/dist/$(DIST_NAME).tar.gz ($$(du -h .build/dist/$(DIST_NAME).tar.gz | cut -f1));" \
	  "labrun $$($(STAGE)/bin/labrun --version)"
	@echo "shared libraries (ldd):"; ldd $(STAGE)/bin/labrun
	@echo "newest glibc symbol version: $$(objdump -T $(STAGE)/bin/labrun | grep -o 'GLIBC_[0-9.]*' | sort -u -V | tail -n 1)"

clean:
	rm -rf .build
