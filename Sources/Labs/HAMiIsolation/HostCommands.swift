import Foundation
import LabPipeline

/// Shell fragments the lab's install and removal steps share: a private download directory,
/// apt that waits for a lock a fresh VM's cloud-init or unattended-upgrades holds, and the
/// record of what labrun itself installed. Every fragment is POSIX sh (dash is Ubuntu's
/// `/bin/sh`).
enum HostCommands {
  /// Makes `$d` a private directory (`mktemp -d`, mode 0700) removed when the script exits:
  /// a fixed path under /tmp, written as root and then executed, could be pre-created or
  /// swapped by another local user.
  static let privateDirectory = "d=$(mktemp -d) && trap 'rm -rf \"$d\"' EXIT"

  /// The bound on waiting for apt's locks (`apt_lock_timeout`), in whole seconds.
  static func lockTimeout(_ parameters: Parameters) throws -> Int {
    Int(try parameters.duration("apt_lock_timeout").seconds)
  }

  /// `apt-get update`, retried while another apt holds the lists lock, for at most
  /// `lockTimeout` seconds (`DPkg::Lock::Timeout` covers the dpkg lock only). Any other
  /// failure stops at once with apt's own message.
  static func aptUpdate(lockTimeout: Int) -> String {
    "t=0; until out=$(apt-get update -qq 2>&1); do case \"$out\" in *'Could not get lock'*) ;; "
      + "*) printf '%s\\n' \"$out\" >&2; exit 1 ;; esac; "
      + "if [ \"$t\" -ge \(lockTimeout) ]; then printf '%s\\n' \"$out\" >&2; "
      + "echo \"apt lists still locked after \(lockTimeout)s\" >&2; exit 1; fi; "
      + "sleep 2; t=$((t + 2)); done"
  }

  /// `apt-get OPERATION` that waits up to `lockTimeout` seconds for the dpkg lock.
  static func aptGet(_ operation: String, lockTimeout: Int) -> String {
    "DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=\(lockTimeout) \(operation)"
  }

  /// Whether labrun installed `component` in this run (recorded in run.json as
  /// `installed_<component>`); false when unrecorded.
  static func installedByLabrun(_ component: String, _ parameters: Parameters) -> Bool {
    (try? parameters.bool("installed_" + component)) ?? false
  }

  /// Whether `labrun plan` shows the removal of `component`: unless the run recorded that
  /// it found it preinstalled, up will install it.
  static func plannedInstall(_ component: String, _ parameters: Parameters) -> Bool {
    (try? parameters.bool("installed_" + component)) ?? true
  }

  /// Records that this run installs `component`, before it does, so a run killed halfway
  /// still removes it on `down --purge`.
  static func recordInstalling(_ component: String, _ ctx: StepContext) async throws {
    try await ctx.recordParameter("installed_" + component, .bool(true))
  }

  /// Records that `component` was on the host before this run (unless an earlier attempt of
  /// this run installed it): `down --purge` keeps it.
  static func recordPreinstalled(_ component: String, _ ctx: StepContext) async throws {
    guard !installedByLabrun(component, ctx.parameters) else { return }
    try await ctx.recordParameter("installed_" + component, .bool(false))
  }
}
