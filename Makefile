# labrun — build, test and demo. Every target that builds installs what it needs first.
SWIFT ?= swift
SWIFT_BUILD_FLAGS ?= -Xswiftc -warnings-as-errors
PREFIX ?= /usr/local
APT_PACKAGES := libssh2-1-dev libcurl4-openssl-dev libyaml-dev openssh-server openssh-client netcat-openbsd pkg-config sudo tmux
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps build test lint bench demo install clean

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

## test: every test, against a real loopback sshd and the built binary
test: deps
	$(SWIFT) build --build-tests $(SWIFT_BUILD_FLAGS)
	$(SWIFT) test --skip-build --parallel --num-workers 2

## lint: swift format lint --strict over every tracked Swift file
lint:
	git ls-files -z '*.swift' | xargs -0 $(SWIFT) format lint --strict

## bench: SSH per-command latency and SFTP throughput vs OpenSSH on loopback (not a test)
bench: deps
	$(SWIFT) build -c release --product labrun-bench
	$(SWIFT) build -c release --product labrun
	$(SWIFT) build -c release --product labrun-sim
	.build/release/labrun-bench

## demo: the whole lab on the built-in simulated GPU host; leaves validation.md here
demo: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --product labrun-sim
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --product labrun
	.build/debug/labrun run --host sim > validation.md
	@echo "make demo: validation page written to $(CURDIR)/validation.md"

## install: the release binaries (labrun, and labrun-sim for --host sim) into $(PREFIX)/bin
install: deps
	$(SWIFT) build -c release --product labrun
	$(SWIFT) build -c release --product labrun-sim
	install -d $(PREFIX)/bin
	install -m 0755 .build/release/labrun $(PREFIX)/bin/labrun
	install -m 0755 .build/release/labrun-sim $(PREFIX)/bin/labrun-sim

clean:
	rm -rf .build
