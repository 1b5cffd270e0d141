import Foundation
import LabPipeline

/// Exercises 2 and 3 in one pod: the in-pod nvidia-smi, then the CUDA probe.
struct ProbeMemoryStep: Step {
  let pod: String
  var id: String { "probe-memory-\(HAMiCatalog.suffix(of: pod))" }
  var title: String { "Exercises 2 and 3: nvidia-smi and the CUDA probe in \(pod)" }
  var timeout: Duration { .seconds(900) }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await run(ctx, node: nil)
    return NoOutput()
  }

  /// Captures the pod's nvidia-smi and probe into its file (cluster node `node`'s, when given).
  func run(_ ctx: StepContext, node: String?) async throws {
    let file = HAMiCatalog.file(HAMiCatalog.probeMemory(pod: pod), on: node)
    try await ctx.capture(try plan(ctx.planContext), into: file)
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let quoted = ShellQuote.quote(pod)
    return [
      RemoteCommand("kubectl exec \(quoted) -- nvidia-smi", timeout: .seconds(60)),
      RemoteCommand(
        "kubectl exec \(quoted) -- sh -c 'nvcc -o /tmp/probe /probe/probe.cu && /tmp/probe'",
        timeout: .seconds(600)),
    ]
  }
}
