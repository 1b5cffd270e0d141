import Foundation
import LabPipeline

/// Exercises 6 and 7: the throughput probe as an MPS client unlimited and under each active
/// thread percentage alone; two clients at once with the pair's percentages; then exercise 7's
/// victim (no percentage, latency mode) alone, beside an unlimited aggressor and beside one held to
/// neighbour_percentage (each side by side run started together on a start file).
struct MPSComputeStep: Step {
  var id: String { "compute" }
  var title: String { "Exercises 6, 7: throughput under CUDA_MPS_ACTIVE_THREAD_PERCENTAGE" }
  var timeout: Duration { .seconds(3600) }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let settings = try MPSSettings(ctx.parameters)
    let workspace = try MPSWorkspace.staged(ctx)
    try await ctx.runChecked(workspace.stopEarlierAttempts)
    let runs = Self.alone(settings, workspace)
    try await ctx.capture(
      runs.map(Self.bounded(settings)), into: MPSCatalog.computeAlone, requireSuccess: false)
    try await Self.together(
      ctx, settings, workspace, Self.pair(settings, workspace), tag: "pair", into: MPSCatalog.computePair)
    // Exercise 7: the victim alone, beside an unlimited aggressor, beside one held to the percentage.
    let victim = Self.victim(settings, workspace)
    try await ctx.capture([Self.bounded(settings)(victim)], into: MPSCatalog.noisy, requireSuccess: false)
    let cases: [(tag: String, percentage: Int?)] = [
      ("noisy-unlimited", nil), ("noisy-limited", settings.neighbourPercentage),
    ]
    for (tag, percentage) in cases {
      try await Self.together(
        ctx, settings, workspace, [victim, Self.aggressor(settings, workspace, percentage)], tag: tag,
        into: MPSCatalog.noisy)
    }
    return NoOutput()
  }

  /// A probe run bounded by its own `timeout` (the transport's bound is the last resort).
  static func bounded(_ settings: MPSSettings) -> (String) -> RemoteCommand {
    let bound = settings.computeSeconds + Int(settings.tenantTimeout.components.seconds)
    return { RemoteCommand(ProbeShell.bounded(bound, $0 + " 2>&1"), timeout: .seconds(bound + 30)) }
  }

  /// Two clients started together on a start file; the host's view sampled once both compute.
  static func together(
    _ ctx: StepContext, _ settings: MPSSettings, _ workspace: MPSWorkspace, _ commands: [String], tag: String,
    into file: String
  ) async throws {
    let start = workspace.file("start-\(tag)")
    let bound = settings.computeSeconds + Int(settings.tenantTimeout.components.seconds)
    let entries = commands.enumerated().map { index, command in
      let name = CardTenant.letter(at: index)
      return SideBySide.Entry(
        name: name, command: ProbeShell.bounded(bound, command + " " + ShellQuote.quote(start)),
        log: workspace.file("\(tag)-\(name).log"), pid: workspace.file("\(tag)-\(name).pid"))
    }
    let together = SideBySide(entries: entries, timeout: settings.tenantTimeout)
    try await ctx.runChecked("rm -f \(ShellQuote.quote(start))")
    try await together.start(ctx)
    _ = try await together.wait(ctx, for: "throughput-probe: ready")
    try await ctx.runChecked("touch \(ShellQuote.quote(start))")
    _ = try await together.wait(ctx, for: "^sample 2 s")
    try await ctx.capture([MPSWorkspace.computeApps], into: file, requireSuccess: false)
    try await together.finish(ctx, seconds: bound + 30) { _ in file }
  }

  /// Client a unlimited, then under each percentage alone.
  static func alone(_ settings: MPSSettings, _ workspace: MPSWorkspace) -> [String] {
    let probe = "\(ShellQuote.quote(workspace.throughputProbe)) \(settings.computeSeconds)"
    let tenant = settings.tenants[0]
    return ["\(workspace.environment(tenant)) \(probe)"]
      + settings.threadPercentages.map { "\(workspace.environment(tenant, threads: $0)) \(probe)" }
  }

  /// Clients a and b with the pair's percentages (the start file is appended when launched).
  static func pair(_ settings: MPSSettings, _ workspace: MPSWorkspace) -> [String] {
    clients(settings, workspace, settings.pairPercentages)
  }

  /// The aggressor runs this much longer than the victim, so every second of the victim's has company.
  static let aggressorExtraSeconds = 2

  /// Exercise 7's victim: client a with no percentage, in the probe's latency mode.
  static func victim(_ settings: MPSSettings, _ workspace: MPSWorkspace) -> String {
    "\(workspace.environment(settings.tenants[0])) \(ShellQuote.quote(workspace.throughputProbe)) --latency "
      + "\(settings.computeSeconds)"
  }

  /// Exercise 7's aggressor: client b, flat out, with `percentage` (nil: none).
  static func aggressor(_ settings: MPSSettings, _ workspace: MPSWorkspace, _ percentage: Int?) -> String {
    "\(workspace.environment(settings.tenants[1], threads: percentage)) "
      + "\(ShellQuote.quote(workspace.throughputProbe)) \(settings.computeSeconds + aggressorExtraSeconds)"
  }

  static func clients(_ settings: MPSSettings, _ workspace: MPSWorkspace, _ percentages: [Int]) -> [String] {
    let probe = "\(ShellQuote.quote(workspace.throughputProbe)) \(settings.computeSeconds)"
    return zip(settings.tenants.prefix(2), percentages).map { tenant, threads in
      "\(workspace.environment(tenant, threads: threads)) \(probe)"
    }
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let settings = try MPSSettings(ctx.parameters)
    let workspace = MPSWorkspace(directory: ctx.placeholder("dir"))
    let victim = Self.victim(settings, workspace)
    let together =
      Self.pair(settings, workspace)
      + [victim, Self.aggressor(settings, workspace, nil), victim]
      + [Self.aggressor(settings, workspace, settings.neighbourPercentage)]
    return [workspace.stopEarlierAttempts]
      + (Self.alone(settings, workspace) + [victim]).map { RemoteCommand($0) }
      + together.map { RemoteCommand($0 + " <start file> &") } + [MPSWorkspace.computeApps]
  }
}
