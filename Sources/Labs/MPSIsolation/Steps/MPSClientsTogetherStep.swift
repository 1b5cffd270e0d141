import Foundation
import LabPipeline

/// Exercises 1 and 4: every client's memory probe at the same time, each with its own pinned
/// limit, holding what it got while the host's process list, the daemon's server list and its
/// log are captured.
struct MPSClientsTogetherStep: Step {
  var id: String { "clients-together" }
  var title: String { "Exercises 1, 4: the MPS clients side by side on one GPU" }
  var timeout: Duration { .seconds(1200) }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let settings = try MPSSettings(ctx.parameters)
    let workspace = try MPSWorkspace.staged(ctx)
    let seconds = Int(settings.tenantTimeout.components.seconds)
    let release = workspace.file("release")
    let entries = settings.tenants.map { tenant in
      SideBySide.Entry(
        name: tenant.name,
        command: HAMiCoreWorkspace.bounded(
          2 * seconds,
          "\(workspace.environment(tenant)) \(ShellQuote.quote(workspace.memoryProbe)) --hold "
            + "\(ShellQuote.quote(release)) \(seconds)"),
        log: workspace.file("together-\(tenant.name).log"), pid: workspace.file("together-\(tenant.name).pid")
      )
    }
    let together = SideBySide(entries: entries, timeout: settings.tenantTimeout)
    try await ctx.runChecked("rm -f \(ShellQuote.quote(release))")
    try await together.start(ctx)
    if !(try await together.wait(ctx, for: "refused after")) {
      ctx.note("not every client reached its refusal in time; sampling anyway")
    }
    // Each client's own pid, as its probe printed it (the pid files hold timeout(1)'s).
    let pids = "grep -H -m1 '^probe: pid' " + entries.map { ShellQuote.quote($0.log) }.joined(separator: " ")
    try await ctx.capture(
      [
        RemoteCommand(pids), MPSWorkspace.computeApps, workspace.control(settings, "get_server_list"),
        MPSStartStep.showLog(workspace),
      ],
      into: MPSCatalog.coResidency, requireSuccess: false)
    try await ctx.runChecked("touch \(ShellQuote.quote(release))")
    try await together.finish(ctx, seconds: 60) { MPSCatalog.tenantConcurrent($0.name) }
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let settings = try MPSSettings(ctx.parameters)
    let workspace = MPSWorkspace(directory: ctx.placeholder("dir"))
    var commands = settings.tenants.map {
      RemoteCommand(
        "\(workspace.environment($0)) \(workspace.memoryProbe) --hold \(workspace.file("release")) <seconds> &"
      )
    }
    commands += [MPSWorkspace.computeApps, workspace.control(settings, "get_server_list")]
    commands.append(RemoteCommand("touch \(workspace.file("release"))"))
    return commands
  }
}
