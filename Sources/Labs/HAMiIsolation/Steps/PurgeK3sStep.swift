import Foundation
import LabPipeline

/// `down --purge`: k3s's own uninstaller, when this run installed k3s.
struct PurgeK3sStep: Step {
  var id: String { "purge-k3s" }
  var title: String { "Uninstall k3s (--purge only)" }
  var timeout: Duration { .seconds(600) }
  /// A `down --purge` after a plain `down` must still purge.
  var rechecksWhenFinished: Bool { true }

  static let command = RemoteCommand("k3s-uninstall.sh", privileged: true, timeout: .seconds(540))

  /// Whether down removes k3s: asked to purge, and labrun installed it.
  static func removes(_ parameters: Parameters, purge: Bool) -> Bool {
    purge && HostCommands.installedByLabrun("k3s", parameters)
  }

  func check(_ ctx: StepContext) async throws -> Bool {
    guard ctx.options.purge else {
      ctx.satisfied("kept k3s: no --purge")
      return true
    }
    guard HostCommands.installedByLabrun("k3s", ctx.parameters) else {
      ctx.satisfied("kept k3s: it was on the host before this run's up")
      return true
    }
    return try await !ctx.hasCommand("k3s-uninstall.sh")
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await ctx.runChecked(Self.command)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    ctx.options.purge && HostCommands.plannedInstall("k3s", ctx.parameters)
      ? [Self.command] : []
  }
}
