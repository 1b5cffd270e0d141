import LabPipeline

/// A lab's last teardown step: it finds what is left of the lab on the host and fails naming
/// each thing and how to remove it, or records them under `down --accept-leftovers`
/// (``TeardownLeftovers``). It always runs (no "already done"), and a run that stopped before it
/// records nothing left.
protocol VerifyCleanStepKind: Step where Output == TeardownLeftovers.Output {
  /// What is left on the host, each with how to remove it.
  func leftovers(_ ctx: StepContext) async throws -> [TeardownLeftovers.Item]
}

extension VerifyCleanStepKind {
  var id: String { "verify-clean" }
  var title: String { "Verify nothing of the lab is left" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func observe(_ ctx: StepContext) async throws -> TeardownLeftovers.Output {
    TeardownLeftovers.Output(left: [])
  }

  func apply(_ ctx: StepContext) async throws -> TeardownLeftovers.Output {
    try TeardownLeftovers(try await leftovers(ctx)).finish(ctx)
  }
}
