import Foundation
import LabPipeline

/// Starts the run's own MPS control daemon (`nvidia-cuda-mps-control -d`) with its pipe and log
/// directories in the private directory, so a daemon the host already runs is untouched; waits
/// until it answers on that pipe and files its start and log (exercise 5). Never changes the
/// GPU's compute mode.
struct MPSStartStep: Step {
  struct Output: Codable, Sendable, Hashable {
    /// The control daemon's pid, from its log.
    var controlPID: Int?
  }

  var id: String { "mps-start" }
  var title: String { "Start a private MPS control daemon" }
  var timeout: Duration { .seconds(120) }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func observe(_ ctx: StepContext) async throws -> Output { try await apply(ctx) }

  func apply(_ ctx: StepContext) async throws -> Output {
    let settings = try MPSSettings(ctx.parameters)
    let workspace = try MPSWorkspace.staged(ctx)
    let start = try await ctx.capture(
      [Self.start(settings, workspace)], into: MPSCatalog.daemon, requireSuccess: false)
    let status = start.first?.exitStatus ?? -1
    var answered = false
    if status == 0 {
      _ = try await ctx.run(Self.waitForLog(workspace))
      answered =
        try await ctx.capture(
          [workspace.control(settings, "get_server_list")], into: MPSCatalog.daemon, requireSuccess: false
        ).first?.succeeded ?? false
    }
    let log = try await ctx.capture([Self.showLog(workspace)], into: MPSCatalog.daemon, requireSuccess: false)
    let lines = log.first?.stdoutLines ?? []
    guard answered else {
      throw MPSDaemonError.notStarted(
        status: status, log: lines.filter { !$0.isEmpty }.suffix(3).joined(separator: " | "),
        pipe: workspace.pipeDirectory)
    }
    let pid = MPSControlLog(lines: lines)?.controlPID
    ctx.note(
      "MPS control daemon \(pid.map { "pid \($0)" } ?? "(pid not in its log)") on \(workspace.pipeDirectory)")
    return Output(controlPID: pid)
  }

  /// The starter's output goes to a file that is shown once it exits: the daemon it forks may keep
  /// the descriptors it inherited, and a command whose output pipe a daemon holds open would not end
  /// (over ssh, the channel would stay open) until its timeout.
  static func start(_ settings: MPSSettings, _ workspace: MPSWorkspace) -> RemoteCommand {
    let output = ShellQuote.quote(workspace.file("mps-start.out"))
    return RemoteCommand(
      ProbeShell.bounded(
        30, "\(workspace.controlEnvironment) \(ShellQuote.quote(settings.mpsControl)) -d")
        + " </dev/null >\(output) 2>&1; status=$?; cat \(output); exit $status",
      timeout: .seconds(50))
  }

  /// Waits (at most 15 s) until the daemon's log says it started.
  static func waitForLog(_ workspace: MPSWorkspace) -> RemoteCommand {
    let log = ShellQuote.quote(workspace.controlLog)
    return RemoteCommand(
      "n=0; until grep -q 'Starting control daemon' \(log) 2>/dev/null; do n=$((n+1)); "
        + "if [ $n -gt 75 ]; then echo 'no start line in the MPS control log after 15 s' >&2; exit 1; fi; "
        + "sleep 0.2; done",
      timeout: .seconds(30))
  }

  static func showLog(_ workspace: MPSWorkspace) -> RemoteCommand {
    RemoteCommand("cat \(ShellQuote.quote(workspace.controlLog))")
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let settings = try MPSSettings(ctx.parameters)
    let workspace = MPSWorkspace(directory: ctx.placeholder("dir"))
    return [
      Self.start(settings, workspace), workspace.control(settings, "get_server_list"),
      Self.showLog(workspace),
    ]
  }
}
