import Foundation
import LabPipeline

/// Fails while the file `fail_while_exists` exists (a resume test removes it between runs).
struct SelfTestGate: Step {
  var id: String { "gate" }
  var title: String { "Pass the gate unless fail_while_exists exists" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await runPlanned(ctx)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let gate = try ctx.parameters.string("fail_while_exists")
    guard !gate.isEmpty else { return [RemoteCommand("true")] }
    let quoted = ShellQuote.quote(gate)
    return [
      RemoteCommand(
        "if [ -e \(quoted) ]; then echo \"gate closed: \(gate.replacingOccurrences(of: "\"", with: "")) exists\" >&2; "
          + "exit 1; fi; touch \(try SelfTestLab.path(ctx.parameters, "gate.passed"))")
    ]
  }
}
