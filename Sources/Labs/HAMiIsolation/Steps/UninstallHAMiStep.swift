import Foundation
import LabPipeline

/// Uninstalls the HAMi release.
struct UninstallHAMiStep: Step {
  var id: String { "uninstall-hami" }
  var title: String { "Uninstall the HAMi release" }

  func check(_ ctx: StepContext) async throws -> Bool {
    guard try await ctx.hasCommand("helm"), try await ctx.hasCommand("kubectl") else { return true }
    return try await HAMiInstallStep().releaseState(ctx) == nil
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await runPlanned(ctx)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [RemoteCommand("\(HAMiIsolationLab.helm) -n kube-system uninstall hami --wait", timeout: .seconds(300))]
  }
}
