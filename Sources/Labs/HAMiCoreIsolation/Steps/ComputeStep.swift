import Foundation
import LabPipeline

/// Exercise 6: the throughput probe unlimited (compute_seconds), under each single-tenant core
/// limit (limited_seconds), then tenants a and b at once with the pair's limits (limited_seconds,
/// started together, the host's view sampled). Every run has a fresh cache file of its own and
/// HAMi-core's level-3 log captured beside the probe's output (``HAMiCoreProbeRun``).
struct ComputeStep: Step {
  var id: String { "compute" }
  var title: String { "Exercise 6: throughput under HAMi-core's core limit" }
  var timeout: Duration { .seconds(3600) }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let settings = try HAMiCoreSettings(ctx.parameters)
    let workspace = try HAMiCoreWorkspace.staged(ctx)
    try await ctx.runChecked(workspace.stopEarlierAttempts)
    for run in Self.aloneRuns(settings) {
      try await ctx.runProbe(
        run, workspace, settings: settings, stdoutArtifact: HAMiCoreCatalog.computeAlone,
        stderrArtifact: HAMiCoreCatalog.computeAloneLog)
    }
    let start = workspace.file("6-pair.start")
    try await ctx.runProbesTogether(
      Self.pairRuns(settings, start: start), start: start, workspace, settings: settings,
      stdoutArtifact: HAMiCoreCatalog.computePair, stderrArtifact: HAMiCoreCatalog.computePairLog,
      appsArtifact: HAMiCoreCatalog.computePair)
    return NoOutput()
  }

  /// Unlimited (tenant a's slice, no core limit), then each limit.
  static func aloneRuns(_ settings: HAMiCoreSettings) -> [HAMiCoreProbeRun] {
    let tenant = settings.tenants[0]
    return [
      HAMiCoreProbeRun(
        id: "6-unlimited", tenant: tenant, limit: nil, policy: settings.corePolicy,
        seconds: settings.computeSeconds)
    ]
      + settings.coreLimits.map {
        HAMiCoreProbeRun(
          id: "6-limit-\($0)", tenant: tenant, limit: $0, policy: settings.corePolicy,
          seconds: settings.limitedSeconds)
      }
  }

  /// Tenants a and b with the pair's limits, both waiting for `start`.
  static func pairRuns(_ settings: HAMiCoreSettings, start: String) -> [HAMiCoreProbeRun] {
    zip(settings.tenants.prefix(2), settings.pairCoreLimits).map { tenant, limit in
      HAMiCoreProbeRun(
        id: "6-pair-\(tenant.name)", tenant: tenant, limit: limit, policy: settings.corePolicy,
        seconds: settings.limitedSeconds, startFile: start)
    }
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let settings = try HAMiCoreSettings(ctx.parameters)
    let workspace = HAMiCoreWorkspace(directory: ctx.placeholder("dir"))
    let start = workspace.file("6-pair.start")
    return [workspace.stopEarlierAttempts]
      + Self.aloneRuns(settings).map {
        RemoteCommand($0.script(workspace, bound: settings.probeBound($0.seconds)))
      }
      + Self.pairRuns(settings, start: start).map {
        RemoteCommand($0.background(workspace, bound: settings.probeBound($0.seconds)))
      }
      + [RemoteCommand("touch \(ShellQuote.quote(start))"), HAMiCoreWorkspace.computeApps]
  }
}
