import Foundation
import LabPipeline

/// `down --purge` on an agent: k3s's agent uninstaller (`k3s-agent-uninstall.sh`), run before
/// the server's own uninstall. A plain `down` keeps the agent joined, as it keeps k3s.
struct PurgeAgentStep: Step {
  /// The agent as `--node` named it.
  let node: String

  var id: String { "purge-k3s-agent@" + node }
  var title: String { "Uninstall the k3s agent on \(node) (--purge only)" }
  var timeout: Duration { .seconds(600) }
  var rechecksWhenFinished: Bool { true }

  static let command = RemoteCommand("k3s-agent-uninstall.sh", privileged: true, timeout: .seconds(540))

  func check(_ ctx: StepContext) async throws -> Bool {
    guard ctx.options.purge else {
      ctx.satisfied("kept the k3s agent on \(node): no --purge")
      return true
    }
    return try await !ctx.on(node).hasCommand("k3s-agent-uninstall.sh")
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await ctx.on(node).runChecked(Self.command)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    guard ctx.options.purge else { return [] }
    var command = Self.command
    command.node = node
    return [command]
  }
}
