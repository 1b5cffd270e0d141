import Foundation
import LabPipeline

/// Waits for the node to be Ready; its outputs (node name, server version) feed later steps.
struct NodeReadyStep: Step {
  struct Output: Codable, Sendable, Hashable {
    var node: String
    var serverVersion: String
  }

  var id: String { "node-ready" }
  var title: String { "Wait for the k3s node to be Ready" }
  func timeout(_ parameters: Parameters) -> Duration {
    guard let wait = try? parameters.duration("node_ready_timeout") else { return timeout }
    return max(timeout, wait + .seconds(120))
  }

  static let nodes = RemoteCommand("kubectl get nodes --no-headers")

  func check(_ ctx: StepContext) async throws -> Bool {
    let ready = try await ready(ctx)
    if ready { ctx.satisfied("the node is Ready") }
    return ready
  }

  func ready(_ ctx: StepContext) async throws -> Bool {
    let output = try await ctx.run(Self.nodes)
    let lines = output.stdoutLines.filter { !$0.isEmpty }
    return output.succeeded && !lines.isEmpty
      && lines.allSatisfy {
        $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first == "Ready"
      }
  }

  func apply(_ ctx: StepContext) async throws -> Output {
    try await ctx.wait(
      for: "the k3s node to be Ready", timeout: try ctx.parameters.duration("node_ready_timeout")
    ) {
      try await ready(ctx)
    }
    return try await observe(ctx)
  }

  func observe(_ ctx: StepContext) async throws -> Output {
    try await ctx.capture([RemoteCommand("kubectl get nodes -o wide")], into: HAMiCatalog.nodes)
    let version = try await ctx.runChecked("kubectl version")
    guard
      let line = version.stdoutLines.first(where: { $0.hasPrefix("Server Version:") }),
      let server = line.split(separator: " ").last.map(String.init)
    else { throw StepError.unexpected("`kubectl version` printed no Server Version; is k3s running?") }
    return Output(node: try await HAMiIsolationLab.nodeName(ctx), serverVersion: server)
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [
      Self.nodes, RemoteCommand("kubectl get nodes -o wide"), RemoteCommand("kubectl version"),
      HAMiIsolationLab.nodeNameCommand,
    ]
  }
}
