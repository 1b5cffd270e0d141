import Foundation
import LabPipeline

/// Uninstalls the HAMi release.
struct UninstallHAMiStep: Step {
  var id: String { "uninstall-hami" }
  var title: String { "Uninstall the HAMi release" }

  func check(_ ctx: StepContext) async throws -> Bool {
    guard try await HAMiLab.has("helm", ctx), try await HAMiLab.has("kubectl", ctx) else { return true }
    return try await HAMiInstallStep().releaseState(ctx) == nil
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await ctx.runChecked(try plan(PlanContext(parameters: ctx.parameters, target: ctx.target))[0])
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [RemoteCommand("\(HAMiLab.helm) -n kube-system uninstall hami --wait", timeout: .seconds(300))]
  }
}
