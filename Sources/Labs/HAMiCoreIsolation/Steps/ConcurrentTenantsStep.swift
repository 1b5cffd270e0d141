import Foundation
import LabPipeline

/// Exercises 1 and 4: every tenant's memory probe at the same time, each with its own slice and
/// cache file, holding what it got while the host's `nvidia-smi --query-compute-apps` is sampled.
struct ConcurrentTenantsStep: Step {
  var id: String { "tenants-together" }
  var title: String { "Exercises 1, 4: the tenants side by side on one GPU" }
  var timeout: Duration { .seconds(1200) }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let settings = try HAMiCoreSettings(ctx.parameters)
    let workspace = try HAMiCoreWorkspace.staged(ctx)
    let seconds = Int(settings.tenantTimeout.components.seconds)
    let release = workspace.file("release")
    let entries = settings.tenants.map { tenant in
      (
        tenant: tenant,
        command: HAMiCoreWorkspace.bounded(
          2 * seconds,
          "\(workspace.environment(tenant)) \(ShellQuote.quote(workspace.memoryProbe)) --hold "
            + "\(ShellQuote.quote(release)) \(seconds)"),
        log: workspace.file("together-\(tenant.name).log"), pid: workspace.file("together-\(tenant.name).pid")
      )
    }
    var reset = ["rm -f \(ShellQuote.quote(release))"]
    reset += settings.tenants.map { "rm -f \(ShellQuote.quote(workspace.cache($0.name)))" }
    try await ctx.runChecked(reset.joined(separator: "; "))
    try await ctx.runChecked(
      entries.map { HAMiCoreWorkspace.background($0.command, log: $0.log, pid: $0.pid) }.joined(
        separator: "; "))
    let logs = entries.map { (log: $0.log, pid: $0.pid) }
    let ready = try await ctx.run(
      RemoteCommand(
        HAMiCoreWorkspace.waitFor("refused after", logs: logs, seconds: seconds),
        timeout: settings.tenantTimeout + .seconds(30)))
    if !ready.succeeded { ctx.note("not every tenant reached its refusal in time; sampling anyway") }
    // Each tenant's own pid, as its probe printed it (the pid files hold timeout(1)'s).
    let pids = "grep -H -m1 '^probe: pid' " + entries.map { ShellQuote.quote($0.log) }.joined(separator: " ")
    try await ctx.capture(
      [RemoteCommand(pids), HAMiCoreWorkspace.computeApps],
      into: HAMiCoreCatalog.coResidency,
      requireSuccess: false)
    try await ctx.runChecked("touch \(ShellQuote.quote(release))")
    _ = try await ctx.run(
      RemoteCommand(
        HAMiCoreWorkspace.waitExit(pids: entries.map(\.pid), seconds: 60), timeout: .seconds(90)))
    for entry in entries {
      let log = try await ctx.run(RemoteCommand("cat \(ShellQuote.quote(entry.log))"))
      try await ctx.appendArtifact(
        HAMiCoreCatalog.tenantConcurrent(entry.tenant.name), command: entry.command,
        output: log.stdoutText + log.stderrText)
    }
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let settings = try HAMiCoreSettings(ctx.parameters)
    let workspace = HAMiCoreWorkspace(directory: ctx.placeholder("dir"))
    var commands = settings.tenants.map {
      RemoteCommand(
        "\(workspace.environment($0)) \(workspace.memoryProbe) --hold \(workspace.file("release")) <seconds> &"
      )
    }
    commands.append(HAMiCoreWorkspace.computeApps)
    commands.append(RemoteCommand("touch \(workspace.file("release"))"))
    return commands
  }
}
