import Foundation
import LabPipeline

/// Exercise 7: a victim (tenant a, no core limit, the probe's latency mode: one short kernel at a
/// time, synchronised) alone, then beside an aggressor (tenant b, the throughput probe) with no
/// core limit, then beside the aggressor held to neighbour_limit. The reference cases run
/// compute_seconds, the limited case limited_seconds; every run has its own fresh cache file and
/// HAMi-core's level-3 log (``HAMiCoreProbeRun``).
struct NoisyNeighbourStep: Step {
  var id: String { "noisy-neighbour" }
  var title: String { "Exercise 7: a victim beside an unlimited and a limited neighbour" }
  var timeout: Duration { .seconds(3600) }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let settings = try HAMiCoreSettings(ctx.parameters)
    let workspace = try HAMiCoreWorkspace.staged(ctx)
    try await ctx.runChecked(workspace.stopEarlierAttempts)
    try await ctx.runProbe(
      Self.victim("alone", settings, start: nil), workspace, settings: settings,
      stdoutArtifact: HAMiCoreCatalog.neighbour, stderrArtifact: HAMiCoreCatalog.neighbourLog)
    for name in ["unlimited", "limited"] {
      let start = workspace.file("7-\(name).start")
      try await ctx.runProbesTogether(
        Self.pair(name, settings, start: start), start: start, workspace, settings: settings,
        stdoutArtifact: HAMiCoreCatalog.neighbour, stderrArtifact: HAMiCoreCatalog.neighbourLog)
    }
    return NoOutput()
  }

  /// The aggressor runs this much longer than the victim, so every second of the victim's has
  /// company (the verifier also judges only the seconds both were sampling).
  static let aggressorExtraSeconds = 2

  /// The victim of case `name` (`alone`, `unlimited`, `limited`).
  static func victim(_ name: String, _ settings: HAMiCoreSettings, start: String?) -> HAMiCoreProbeRun {
    HAMiCoreProbeRun(
      id: "7-\(name)-victim", tenant: settings.tenants[0], limit: nil, policy: settings.corePolicy,
      seconds: name == "limited" ? settings.limitedSeconds : settings.computeSeconds, latency: true,
      startFile: start)
  }

  /// The victim and the aggressor of case `name` (`unlimited` or `limited`), both waiting for `start`.
  static func pair(_ name: String, _ settings: HAMiCoreSettings, start: String) -> [HAMiCoreProbeRun] {
    let limited = name == "limited"
    return [
      victim(name, settings, start: start),
      HAMiCoreProbeRun(
        id: "7-\(name)-aggressor", tenant: settings.tenants[1],
        limit: limited ? settings.neighbourLimit : nil,
        policy: settings.corePolicy,
        seconds: (limited ? settings.limitedSeconds : settings.computeSeconds) + Self.aggressorExtraSeconds,
        startFile: start),
    ]
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let settings = try HAMiCoreSettings(ctx.parameters)
    let workspace = HAMiCoreWorkspace(directory: ctx.placeholder("dir"))
    let alone = Self.victim("alone", settings, start: nil)
    var commands = [
      workspace.stopEarlierAttempts,
      RemoteCommand(alone.script(workspace, bound: settings.probeBound(alone.seconds))),
    ]
    for name in ["unlimited", "limited"] {
      let start = workspace.file("7-\(name).start")
      commands += Self.pair(name, settings, start: start).map {
        RemoteCommand($0.background(workspace, bound: settings.probeBound($0.seconds)))
      }
      commands.append(RemoteCommand("touch \(ShellQuote.quote(start))"))
    }
    return commands
  }
}
