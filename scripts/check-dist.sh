#!/bin/sh
# Checks a `make dist` tarball as a user meets it on a fresh machine: unpacked alone in an
# empty directory and run from an unrelated one. Prints the system, the binary's shared
# libraries (ldd) and the newest glibc symbol version it needs, then runs
# `labrun --version`, `labrun labs`, `labrun ping --host local` and
# `labrun run --host sim > page.md`, and checks the page is SIMULATED. Exits non-zero at the
# first failure; leaves nothing behind.
#
# usage: scripts/check-dist.sh TARBALL [LIBSSH2_DEB]
#   LIBSSH2_DEB  a libssh2 package to use when the machine has no libssh2.so.1 (one with no
#                network): unpacked into the scratch directory and put on LD_LIBRARY_PATH,
#                never installed.
set -eu
if [ $# -lt 1 ] || [ ! -f "$1" ]; then
  echo "usage: $0 TARBALL [LIBSSH2_DEB]" >&2
  exit 64
fi
tarball=$(readlink -f "$1")
deb=${2:+$(readlink -f "$2")}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/unpacked" "$scratch/work"
step() { printf '\n== %s\n' "$*"; }
fail() {
  echo "check-dist: FAILED: $*" >&2
  exit 1
}

step "system"
if [ -r /etc/os-release ]; then grep PRETTY_NAME /etc/os-release; fi
ldd --version | head -n 1

step "unpack $(basename "$tarball") ($(du -h "$tarball" | cut -f1))"
tar -xzf "$tarball" -C "$scratch/unpacked"
(cd "$scratch/unpacked" && find . -type f | sort)
labrun=$(find "$scratch/unpacked" -path '*/bin/labrun' -type f)
[ -n "$labrun" ] && [ -x "$labrun" ] || fail "no executable bin/labrun in the tarball"

if ! "$labrun" --version > /dev/null 2>&1; then
  "$labrun" --version 2>&1 | head -n 3
  [ -n "$deb" ] || fail "labrun does not start (above); if libssh2.so.1 is missing: apt-get install libssh2-1t64 (24.04) or libssh2-1 (22.04), or pass a libssh2 .deb"
  step "libssh2 from $(basename "$deb") (unpacked, on LD_LIBRARY_PATH; not installed)"
  dpkg-deb -x "$deb" "$scratch/libssh2"
  library=$(find "$scratch/libssh2" -name 'libssh2.so.1*' | head -n 1)
  [ -n "$library" ] || fail "$deb holds no libssh2.so.1"
  LD_LIBRARY_PATH=$(dirname "$library")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  export LD_LIBRARY_PATH
fi

step "ldd bin/labrun"
ldd "$labrun"
if ldd "$labrun" | grep -q 'not found'; then fail "a shared library is missing (above)"; fi

step "newest glibc symbol version bin/labrun needs"
# The version names sit in the binary's .dynstr; grep reads them without binutils.
newest=$(grep -ao 'GLIBC_2\.[0-9][0-9.]*' "$labrun" | sort -u -V | tail -n 1)
echo "$newest (this machine: $(ldd --version | head -n 1 | grep -o '[0-9.]*$'))"

cd "$scratch/work"
step "labrun --version"
"$labrun" --version

step "labrun labs"
"$labrun" labs | tee labs.txt
grep -q '^hami-isolation-realgpu .* built-in ' labs.txt || fail "labrun labs does not list the built-in hami-isolation-realgpu"

step "labrun ping --host local"
"$labrun" ping --host local || fail "labrun ping --host local exited $?"

step "labrun run --host sim > page.md"
status=0
"$labrun" run --host sim > page.md 2> run.log || status=$?
tail -n 5 run.log
[ "$status" = 0 ] || { cat run.log; fail "labrun run --host sim exited $status"; }
head -n 3 page.md | cut -c 1-160
grep -q 'STATUS: 🧪 SIMULATED' page.md || fail "page.md is not a SIMULATED page"

if command -v man > /dev/null; then
  step "man -l share/man/man1/labrun.1"
  MANPAGER=cat MANWIDTH=80 man -l "$(dirname "$labrun")/../share/man/man1/labrun.1" | head -n 8
fi
if command -v bash > /dev/null; then
  step "bash -n share/bash-completion/completions/labrun"
  bash -n "$(dirname "$labrun")/../share/bash-completion/completions/labrun" && echo accepted
fi

printf '\ncheck-dist: all passed\n'
