if [ -r /etc/os-release ]; then . /etc/os-release; fi
echo "os=${PRETTY_NAME:-}"
echo "os_family=${ID:-} ${ID_LIKE:-}"
echo "kernel=$(uname -r)"
echo "arch=$(uname -m)"
echo "user=$(id -un)"
if [ "$(id -u)" = 0 ]; then echo privilege=root
elif ! command -v sudo >/dev/null 2>&1; then echo privilege=no-sudo
elif sudo -n true >/dev/null 2>&1; then echo privilege=passwordless-sudo
else echo privilege=sudo-needs-password; fi
if command -v nvidia-smi >/dev/null 2>&1; then
  echo nvidia_smi=found
  out=$(nvidia-smi --query-gpu=name,uuid,memory.total,driver_version,mig.mode.current --format=csv 2>&1)
  status=$?
  echo "nvidia_smi_exit=$status"
  printf '%s\n' "$out"
else
  echo nvidia_smi=missing
fi
