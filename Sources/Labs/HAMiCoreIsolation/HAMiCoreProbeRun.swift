import Foundation
import LabPipeline

/// One throughput-probe run of exercises 6 and 7, as the host runs it: the tenant's preload with a
/// cache file of the run's own (removed before and after, so no configuration inherits another's
/// core limit), HAMi-core at `LIBCUDA_LOG_LEVEL=3` (its witness lines), the probe's stdout and
/// HAMi-core's stderr captured into separate files with each line timestamped on arrival, the
/// probe bounded by `timeout`.
struct HAMiCoreProbeRun: Sendable, Hashable {
  /// Unique within the run: `6-limit-25`, `7-limited-victim`; names the run's files.
  var id: String
  var tenant: CardTenant
  /// `CUDA_DEVICE_SM_LIMIT`; nil for none.
  var limit: Int?
  var policy: String
  var seconds: Int
  /// The probe's latency mode (one short kernel at a time, synchronised; exercise 7's victim).
  var latency = false
  /// The probe waits for this file before measuring (runs side by side start together).
  var startFile: String?

  /// HAMi-core's log level for the witness lines (info).
  static let logLevel = 3

  func cache(_ workspace: HAMiCoreWorkspace) -> String { workspace.file("cache-\(id)") }
  func stdoutFile(_ workspace: HAMiCoreWorkspace) -> String { workspace.file("\(id).out") }
  func stderrFile(_ workspace: HAMiCoreWorkspace) -> String { workspace.file("\(id).err") }
  func pidFile(_ workspace: HAMiCoreWorkspace) -> String { workspace.file("\(id).pid") }

  /// `env … throughput-probe [--latency] SECONDS [START_FILE]`.
  func probeCommand(_ workspace: HAMiCoreWorkspace) -> String {
    var assignments = [
      "LD_PRELOAD=" + workspace.library,
      "CUDA_DEVICE_MEMORY_LIMIT=\(tenant.sliceMiB)m",
      "CUDA_DEVICE_MEMORY_SHARED_CACHE=" + cache(workspace),
      "LIBCUDA_LOG_LEVEL=\(Self.logLevel)",
    ]
    if let limit {
      assignments.append("CUDA_DEVICE_SM_LIMIT=\(limit)")
      if !policy.isEmpty { assignments.append("GPU_CORE_UTILIZATION_POLICY=" + policy) }
    }
    var words = [workspace.throughputProbe] + (latency ? ["--latency"] : []) + [String(seconds)]
    if let startFile { words.append(startFile) }
    return "env " + (assignments + words).map(ShellQuote.quote).joined(separator: " ")
  }

  /// Reads lines and writes each with the wall clock in front, as it arrives: bash's
  /// `$EPOCHREALTIME` (seconds and microseconds, `.` in the C locale), read without a process,
  /// for HAMi-core's watcher logs every 120 ms on the host being measured; `date +%s.%N` where
  /// bash is older than 5.0 and has none.
  static let stamp =
    #"LC_ALL=C bash -c 'while IFS= read -r line; do t=$EPOCHREALTIME; [ -n "$t" ] || t=$(date +%s.%N); "#
    + #"printf "%s %s\n" "$t" "$line"; done'"#

  /// The host command: a fresh cache, the bounded probe with stdout and stderr stamped into their
  /// files (stderr ends with the probe's exit status), the cache removed. `bound` is timeout(1)'s
  /// limit in seconds.
  func script(_ workspace: HAMiCoreWorkspace, bound: Int) -> String {
    let cache = ShellQuote.quote(cache(workspace))
    return "rm -f \(cache); { { \(ProbeShell.bounded(bound, probeCommand(workspace))); "
      + "echo \"labrun: throughput-probe exit status $?\" >&2; } 2>&1 1>&3 3>&- | { \(Self.stamp); } "
      + ">\(ShellQuote.quote(stderrFile(workspace))); } 3>&1 | { \(Self.stamp); } "
      + ">\(ShellQuote.quote(stdoutFile(workspace))); rm -f \(cache)"
  }

  /// The script started in the background, its pid (the subshell's) in ``pidFile(_:)``.
  func background(_ workspace: HAMiCoreWorkspace, bound: Int) -> String {
    "( \(script(workspace, bound: bound)) ) >/dev/null 2>&1 </dev/null & echo $! >"
      + ShellQuote.quote(pidFile(workspace))
  }
}

extension StepContext {
  /// Files one run's stamped stdout and stderr as a section (under the run's script) of
  /// `stdoutArtifact` and `stderrArtifact`.
  func fileProbeRun(
    _ run: HAMiCoreProbeRun, _ workspace: HAMiCoreWorkspace, bound: Int, stdoutArtifact: String,
    stderrArtifact: String
  ) async throws {
    let command = run.script(workspace, bound: bound)
    for (file, artifact) in [
      (run.stdoutFile(workspace), stdoutArtifact), (run.stderrFile(workspace), stderrArtifact),
    ] {
      let output = try await self.run(RemoteCommand("cat \(ShellQuote.quote(file))"))
      try await appendArtifact(artifact, command: command, output: output.stdoutText + output.stderrText)
    }
  }

  /// Runs `run` in the foreground and files its output.
  func runProbe(
    _ run: HAMiCoreProbeRun, _ workspace: HAMiCoreWorkspace, settings: HAMiCoreSettings,
    stdoutArtifact: String,
    stderrArtifact: String
  ) async throws {
    let bound = settings.probeBound(run.seconds)
    _ = try await self.run(RemoteCommand(run.script(workspace, bound: bound), timeout: .seconds(bound + 30)))
    try await fileProbeRun(
      run, workspace, bound: bound, stdoutArtifact: stdoutArtifact, stderrArtifact: stderrArtifact)
  }

  /// Runs `runs` side by side (each waits for `start`, which is created once all are ready),
  /// samples the host's process list into `appsArtifact` when given, and files their output.
  func runProbesTogether(
    _ runs: [HAMiCoreProbeRun], start: String, _ workspace: HAMiCoreWorkspace, settings: HAMiCoreSettings,
    stdoutArtifact: String, stderrArtifact: String, appsArtifact: String? = nil
  ) async throws {
    let longest = runs.map(\.seconds).max() ?? 0
    let bound = settings.probeBound(longest)
    let wait = Int(settings.tenantTimeout.components.seconds)
    try await runChecked("rm -f \(ShellQuote.quote(start))")
    try await runChecked(runs.map { $0.background(workspace, bound: bound) }.joined(separator: "; "))
    let watched = runs.map { (log: $0.stdoutFile(workspace), pid: $0.pidFile(workspace)) }
    _ = try await self.run(
      RemoteCommand(
        ProbeShell.waitFor("throughput-probe: ready", logs: watched, seconds: wait),
        timeout: settings.tenantTimeout + .seconds(30)))
    try await runChecked("touch \(ShellQuote.quote(start))")
    if let appsArtifact {
      // Sampled once all run: the host's view of the tenants on the card.
      _ = try await self.run(
        RemoteCommand(
          ProbeShell.waitFor("sample 2 s:", logs: watched, seconds: wait),
          timeout: settings.tenantTimeout + .seconds(30)))
      try await capture([HAMiCoreWorkspace.computeApps], into: appsArtifact, requireSuccess: false)
    }
    _ = try await self.run(
      RemoteCommand(
        ProbeShell.waitExit(pids: runs.map { $0.pidFile(workspace) }, seconds: bound + 30),
        timeout: .seconds(bound + 90)))
    for run in runs {
      try await fileProbeRun(
        run, workspace, bound: bound, stdoutArtifact: stdoutArtifact, stderrArtifact: stderrArtifact)
    }
  }
}
