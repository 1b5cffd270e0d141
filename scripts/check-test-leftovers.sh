#!/bin/sh
# After `make test`: the suite's temporary root ($1) must be empty, and no process the suite
# started may remain. Every process it started carries LABRUN_TEST_ROOT=$1 in its environment
# (inherited locally; set by the test sshd's SetEnv in its sessions), so /proc says which.
# Leftover processes are listed and then stopped (by their pid), and the check fails.
set -u
root=$1
status=0
left=$(find "$root" -mindepth 1 -maxdepth 1 2>/dev/null)
if [ -n "$left" ]; then
  echo "make test: the tests left files under $root:" >&2
  find "$root" -mindepth 1 -maxdepth 2 2>/dev/null | head -n 40 | sed 's/^/  /' >&2
  status=1
fi
pids=
for environ in /proc/[0-9]*/environ; do
  pid=${environ#/proc/}
  pid=${pid%/environ}
  [ "$pid" = "$$" ] && continue
  if tr '\0' '\n' 2>/dev/null < "$environ" | grep -qxF "LABRUN_TEST_ROOT=$root"; then
    pids="$pids $pid"
  fi
done
if [ -n "$pids" ]; then
  echo "make test: processes the tests started are still running:" >&2
  for pid in $pids; do
    echo "  $pid: $(tr '\0' ' ' < /proc/$pid/cmdline 2>/dev/null)" >&2
  done
  for pid in $pids; do kill "$pid" 2>/dev/null; done
  status=1
fi
[ $status -eq 0 ] && echo "make test: no files under $root and no process of the suite left"
exit $status
