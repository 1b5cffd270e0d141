import Foundation
import LabPipeline

/// Exercise 6: the throughput probe unlimited, under each single-tenant core limit, then two
/// tenants at once with the pair's limits (started together, the host's view sampled).
struct ComputeStep: Step {
  var id: String { "compute" }
  var title: String { "Exercise 6: throughput under HAMi-core's core limit" }
  var timeout: Duration { .seconds(3600) }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let settings = try HAMiCoreSettings(ctx.parameters)
    let workspace = try HAMiCoreWorkspace.staged(ctx)
    // A run's own bound (timeout(1)) comes first; the transport's is the last resort.
    let bound = settings.computeSeconds + Int(settings.tenantTimeout.components.seconds)
    let probeTimeout = Duration.seconds(bound + 30)
    try await ctx.capture(
      Self.aloneCommands(settings, workspace).map {
        RemoteCommand(HAMiCoreWorkspace.bounded(bound, $0 + " 2>&1"), timeout: probeTimeout)
      },
      into: HAMiCoreCatalog.computeAlone, requireSuccess: false)

    let start = workspace.file("start")
    let entries = Self.pairCommands(settings, workspace).enumerated().map { index, command in
      (
        command: command, log: workspace.file("pair-\(HAMiCoreTenant.letter(at: index)).log"),
        pid: workspace.file("pair-\(HAMiCoreTenant.letter(at: index)).pid")
      )
    }
    let seconds = Int(settings.tenantTimeout.components.seconds)
    try await ctx.runChecked("rm -f \(ShellQuote.quote(start))")
    try await ctx.runChecked(
      entries.map {
        HAMiCoreWorkspace.background(
          HAMiCoreWorkspace.bounded(bound, $0.command + " " + ShellQuote.quote(start)), log: $0.log,
          pid: $0.pid)
      }
      .joined(separator: "; "))
    _ = try await ctx.run(
      RemoteCommand(
        HAMiCoreWorkspace.waitFor(
          "throughput-probe: ready", logs: entries.map { ($0.log, $0.pid) }, seconds: seconds),
        timeout: settings.tenantTimeout + .seconds(30)))
    try await ctx.runChecked("touch \(ShellQuote.quote(start))")
    // Sampled once both run: the host's view of the two tenants on the card.
    _ = try await ctx.run(
      RemoteCommand(
        HAMiCoreWorkspace.waitFor("^sample 2 s", logs: entries.map { ($0.log, $0.pid) }, seconds: seconds),
        timeout: settings.tenantTimeout + .seconds(30)))
    try await ctx.capture(
      [HAMiCoreWorkspace.computeApps], into: HAMiCoreCatalog.computePair, requireSuccess: false)
    _ = try await ctx.run(
      RemoteCommand(
        HAMiCoreWorkspace.waitExit(pids: entries.map { $0.pid }, seconds: settings.computeSeconds + seconds),
        timeout: probeTimeout + .seconds(60)))
    for entry in entries {
      let log = try await ctx.run(RemoteCommand("cat \(ShellQuote.quote(entry.log))"))
      try await ctx.appendArtifact(
        HAMiCoreCatalog.computePair,
        command: HAMiCoreWorkspace.bounded(bound, entry.command + " " + ShellQuote.quote(start)),
        output: log.stdoutText + log.stderrText)
    }
    return NoOutput()
  }

  /// Unlimited (HAMi-core preloaded with tenant a's slice, no core limit), then each limit.
  static func aloneCommands(_ settings: HAMiCoreSettings, _ workspace: HAMiCoreWorkspace) -> [String] {
    let probe = "\(ShellQuote.quote(workspace.throughputProbe)) \(settings.computeSeconds)"
    let tenant = settings.tenants[0]
    return ["\(workspace.environment(tenant)) \(probe)"]
      + settings.coreLimits.map {
        "\(workspace.environment(tenant, coreLimit: $0, policy: settings.corePolicy)) \(probe)"
      }
  }

  /// Tenants a and b with the pair's limits; the start file is appended when launched.
  static func pairCommands(_ settings: HAMiCoreSettings, _ workspace: HAMiCoreWorkspace) -> [String] {
    let probe = "\(ShellQuote.quote(workspace.throughputProbe)) \(settings.computeSeconds)"
    return zip(settings.tenants.prefix(2), settings.pairCoreLimits).map { tenant, limit in
      "\(workspace.environment(tenant, coreLimit: limit, policy: settings.corePolicy)) \(probe)"
    }
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let settings = try HAMiCoreSettings(ctx.parameters)
    let workspace = HAMiCoreWorkspace(directory: ctx.placeholder("dir"))
    return
      (Self.aloneCommands(settings, workspace)
      + Self.pairCommands(settings, workspace).map { $0 + " \(workspace.file("start")) &" }).map {
        RemoteCommand($0)
      }
      + [HAMiCoreWorkspace.computeApps]
  }
}
