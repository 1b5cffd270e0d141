#!/bin/sh
# Issue 12: `labrun ping` against a real loopback sshd whose host key labrun does not know,
# run COUNT times (default 200); counts the exit statuses and fails on any crash (a signal,
# or 139/134/132 from the Swift runtime's crash handler). Usage: stress-ping.sh LABRUN [COUNT]
set -eu
labrun=$1
count=${2:-200}
[ -x "$labrun" ] || { echo "stress: $labrun is not an executable (build it first)" >&2; exit 2; }
[ -x /usr/sbin/sshd ] || { echo "stress: /usr/sbin/sshd missing: install openssh-server (make deps)" >&2; exit 2; }
root=$(mktemp -d "${TMPDIR:-/tmp}/labrun-stress.XXXXXX")
sshd_pid=
cleanup() {
  [ -n "$sshd_pid" ] && kill "$sshd_pid" 2>/dev/null && wait "$sshd_pid" 2>/dev/null
  rm -rf "$root"
}
trap cleanup EXIT INT TERM
ssh-keygen -q -t ed25519 -N '' -C labrun-stress -f "$root/host_key"
ssh-keygen -q -t ed25519 -N '' -C labrun-stress -f "$root/user_key"
cp "$root/user_key.pub" "$root/authorized_keys"
# A free loopback port (netcat is one of make deps' packages).
port=$((20000 + $$ % 20000))
while nc -z 127.0.0.1 "$port" 2>/dev/null; do port=$((port + 1)); done
mkdir -p /run/sshd 2>/dev/null || true
cat > "$root/sshd_config" <<CONFIG
Port $port
ListenAddress 127.0.0.1
HostKey $root/host_key
PidFile $root/sshd.pid
AuthorizedKeysFile $root/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
MaxStartups 100:30:200
LogLevel ERROR
CONFIG
/usr/sbin/sshd -D -e -f "$root/sshd_config" 2> "$root/sshd.log" &
sshd_pid=$!
tries=0
until nc -z 127.0.0.1 "$port" 2>/dev/null; do
  tries=$((tries + 1))
  [ $tries -lt 200 ] || { echo "stress: sshd did not start:" >&2; cat "$root/sshd.log" >&2; exit 2; }
  sleep 0.05
done
user=$(id -un)
mkdir -p "$root/home/.ssh" "$root/state"
: > "$root/statuses"
i=0
while [ $i -lt "$count" ]; do
  i=$((i + 1))
  # A fresh state directory and HOME each time: the host key is always unknown.
  rm -rf "$root/state" && mkdir -p "$root/state"
  set +e
  HOME="$root/home" LABRUN_HOME="$root/state" XDG_STATE_HOME="$root/state/xdg" SSH_AUTH_SOCK= \
    "$labrun" ping --host "$user@127.0.0.1:$port" --identity "$root/user_key" \
    > "$root/out" 2> "$root/err" < /dev/null
  status=$?
  set -e
  echo "$status" >> "$root/statuses"
  case $status in
    3) ;;
    *) echo "stress: run $i exited $status:" >&2; tail -n 5 "$root/err" >&2 ;;
  esac
done
echo "stress: labrun ping x$count against an unknown host key (expected exit 3 every time):"
sort -n "$root/statuses" | uniq -c | while read -r n status; do echo "  exit $status: $n"; done
crashes=$(grep -c -E '^(139|134|132|13[0-9]|1[4-9][0-9]|2[0-9][0-9])$' "$root/statuses" || true)
others=$(grep -c -v '^3$' "$root/statuses" || true)
if [ "$crashes" -gt 0 ] || [ "$others" -gt 0 ]; then
  echo "stress: FAILED: $crashes crash(es), $others run(s) not exiting 3" >&2
  exit 1
fi
echo "stress: OK, no crash in $count runs"
