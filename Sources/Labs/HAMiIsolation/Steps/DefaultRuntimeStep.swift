import Foundation
import LabPipeline

/// Confirms the nvidia RuntimeClass and the containerd default runtime k3s generated.
///
/// A default runtime other than nvidia is reported, not fatal: the exercises then show its
/// consequence (no HAMi-core in the pods), which is what the evidence is for.
struct DefaultRuntimeStep: Step {
  var id: String { "default-runtime" }
  var title: String { "Confirm the nvidia RuntimeClass and default_runtime_name" }
  func timeout(_ parameters: Parameters) -> Duration {
    guard let wait = try? parameters.duration("node_ready_timeout") else { return timeout }
    return max(timeout, wait + .seconds(120))
  }

  static let runtimeClass = RemoteCommand("kubectl get runtimeclass nvidia")
  static let config = RemoteCommand(
    "grep -E '^version|default_runtime_name' \(HAMiIsolationLab.containerdConfig)", privileged: true)

  func check(_ ctx: StepContext) async throws -> Bool {
    guard try await ctx.run(Self.runtimeClass).succeeded else { return false }
    let nvidia = try await runtime(ctx) == "nvidia"
    if nvidia { ctx.satisfied("RuntimeClass nvidia present, containerd's default runtime is nvidia") }
    return nvidia
  }

  func runtime(_ ctx: StepContext) async throws -> String? {
    ShellOutputs.defaultRuntime(in: (try await ctx.run(Self.config)).stdoutLines)?.name
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await ctx.wait(
      for: "the nvidia RuntimeClass", timeout: try ctx.parameters.duration("node_ready_timeout")
    ) {
      try await ctx.run(Self.runtimeClass).succeeded
    }
    return try await observe(ctx)
  }

  func observe(_ ctx: StepContext) async throws -> NoOutput {
    let outputs = try await ctx.capture([Self.config], into: HAMiCatalog.defaultRuntime)
    let found = ShellOutputs.defaultRuntime(in: outputs[0].stdoutLines)?.name ?? "none"
    if found != "nvidia" {
      ctx.note(
        "warning: containerd's default runtime is \(found), not nvidia: pods will not get HAMi-core; "
          + "the exercises will record the consequence")
    }
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] { [Self.runtimeClass, Self.config] }
}
