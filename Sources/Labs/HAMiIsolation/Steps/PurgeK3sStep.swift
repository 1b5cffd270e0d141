import Foundation
import LabPipeline

/// `down --purge`: k3s's own uninstaller.
struct PurgeK3sStep: Step {
  var id: String { "purge-k3s" }
  var title: String { "Uninstall k3s (--purge only)" }
  var timeout: Duration { .seconds(600) }

  func check(_ ctx: StepContext) async throws -> Bool {
    guard HAMiIsolationLab.purge(ctx.parameters) else { return true }
    return try await !ctx.hasCommand("k3s-uninstall.sh")
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await ctx.runChecked(RemoteCommand("k3s-uninstall.sh", privileged: true, timeout: .seconds(540)))
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    HAMiIsolationLab.purge(ctx.parameters)
      ? [RemoteCommand("k3s-uninstall.sh", privileged: true, timeout: .seconds(540))] : []
  }
}
