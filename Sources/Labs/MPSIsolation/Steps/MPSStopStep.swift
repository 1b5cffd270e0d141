import Foundation
import LabPipeline

/// Teardown: `quit` to the run's own MPS control daemon on its pipe, then proof that neither the
/// daemon nor any server it started (pids from its log) is left, and the host's process list,
/// filed as ``MPSCatalog/stopped``. Fails, naming them, when any is still running.
struct MPSStopStep: Step {
  struct Output: Codable, Sendable, Hashable {
    /// The pids checked (the daemon's and its servers').
    var pids: [Int]
  }

  var id: String { "mps-stop" }
  var title: String { "Quit the MPS control daemon and verify none of its processes is left" }
  var timeout: Duration { .seconds(180) }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func observe(_ ctx: StepContext) async throws -> Output { try await apply(ctx) }

  func apply(_ ctx: StepContext) async throws -> Output {
    guard let workspace = try? MPSWorkspace.staged(ctx) else { return Output(pids: []) }
    let settings = try MPSSettings(ctx.parameters)
    let log = try await ctx.run(MPSStartStep.showLog(workspace))
    let control = MPSControlLog(lines: log.stdoutLines)
    let processes =
      (control?.controlPIDs ?? []).map { ("MPS control daemon", $0) }
      + (control?.serverPIDs ?? []).map { ("MPS server", $0) }
    let pids = processes.map(\.1)
    let outputs = try await ctx.capture(
      [
        workspace.control(settings, "quit"), Self.waitGone(pids, directory: workspace.directory),
        Self.report(processes, directory: workspace.directory),
      ]
        + [MPSWorkspace.computeApps, MPSStartStep.showLog(workspace)],
      into: MPSCatalog.stopped, requireSuccess: false)
    let left = outputs[2].stdoutLines.filter { $0.hasSuffix(": still running") }
    guard left.isEmpty else {
      throw MPSDaemonError.left(processes: left.map { String($0.dropLast(": still running".count)) })
    }
    return Output(pids: processes.map(\.1))
  }

  /// Succeeds while `pid` is one of the run's MPS processes: alive, and its command line names an
  /// MPS program or its environment the run's `directory` (the pipe the lab gave it), or not yet
  /// reaped (a zombie shows neither). The log keeps the pid of a start that failed long before
  /// teardown, which the kernel may have given to an unrelated process since: that one is not the
  /// run's, and never named for the user to kill.
  static func isRunning(_ pid: Int, directory: String) -> String {
    "{ kill -0 \(pid) 2>/dev/null && { grep -qaF nvidia-cuda-mps /proc/\(pid)/cmdline 2>/dev/null || "
      + "grep -qaF -- \(ShellQuote.quote(directory)) /proc/\(pid)/environ 2>/dev/null || "
      + "{ s=$(cat /proc/\(pid)/stat 2>/dev/null); s=${s##*) }; [ \"${s%% *}\" = Z ]; }; }; }"
  }

  /// Waits (at most 30 s) until none of `pids` runs.
  static func waitGone(_ pids: [Int], directory: String) -> RemoteCommand {
    guard !pids.isEmpty else { return RemoteCommand("echo 'no MPS process in the control log'") }
    let alive = pids.map { isRunning($0, directory: directory) }.joined(separator: " || ")
    return RemoteCommand(
      "n=0; while \(alive); do n=$((n+1)); if [ $n -gt 150 ]; then echo 'MPS processes still running after 30 s' >&2; "
        + "exit 1; fi; sleep 0.2; done",
      timeout: .seconds(45))
  }

  /// One line per process: `MPS server 2314: gone` or `…: still running`.
  static func report(_ processes: [(String, Int)], directory: String) -> RemoteCommand {
    guard !processes.isEmpty else { return RemoteCommand("echo 'no MPS process of this run to check'") }
    return RemoteCommand(
      processes.map { role, pid in
        "if \(isRunning(pid, directory: directory)); then echo '\(role) \(pid): still running'; "
          + "else echo '\(role) \(pid): gone'; fi"
      }.joined(separator: "; "))
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let settings = try MPSSettings(ctx.parameters)
    let workspace = MPSWorkspace(directory: ctx.placeholder("dir"))
    return [
      MPSStartStep.showLog(workspace), workspace.control(settings, "quit"),
      RemoteCommand("kill -0 <daemon and server pids>"), MPSWorkspace.computeApps,
    ]
  }
}
