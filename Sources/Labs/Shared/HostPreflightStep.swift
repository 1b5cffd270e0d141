import LabPipeline

/// A lab's first step: the host's facts and the refusals that must come before any change,
/// through the shared ``GPUHostPreflight`` plus the lab's own (its `facts`).
///
/// It only looks, so its check is the preflight itself: a host that passes is "already
/// satisfied", and `observe` records the facts and captures the host's GPU and OS artifacts
/// (`gpuFile`, `osFile`), so every run has them even when nothing else runs.
protocol HostPreflightStep: Step {
  /// The shared preflight, parameterised by the lab's mechanism and how it describes the card.
  static var host: GPUHostPreflight { get }
  /// The lab's host GPU and OS artifact names.
  static var gpuFile: String { get }
  static var osFile: String { get }
  /// Reads the facts and throws the first refusal.
  func facts(_ ctx: StepContext) async throws -> Output
  /// What the step says when the host passes (`preflight passed: …`).
  func passed(_ facts: Output) -> String
}

extension HostPreflightStep {
  var id: String { "preflight" }
  /// It only looks: a run refused here changed nothing on the host.
  var changesTarget: Bool { false }
  var timeout: Duration { .seconds(120) }

  func check(_ ctx: StepContext) async throws -> Bool {
    let facts = try await facts(ctx)
    ctx.satisfied(passed(facts))
    return true
  }

  func apply(_ ctx: StepContext) async throws -> Output { try await observe(ctx) }

  func observe(_ ctx: StepContext) async throws -> Output {
    let facts = try await facts(ctx)
    try await Self.host.capture(ctx, gpuFile: Self.gpuFile, osFile: Self.osFile)
    return facts
  }
}
