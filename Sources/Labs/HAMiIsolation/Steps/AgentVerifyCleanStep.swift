import Foundation
import LabPipeline

/// `down`'s verify-clean on one agent of a cluster, after the server's: the agent's `gpu` label is
/// gone and, under `--purge`, its k3s agent (`k3s-agent-uninstall.sh`), the join token's file and
/// the NVIDIA Container Toolkit this run gave it (``PurgeToolkitStep``). Fails naming the node and
/// each thing left, or records them under `--accept-leftovers`.
struct AgentVerifyCleanStep: VerifyCleanStepKind {
  /// The agent as `--node` named it.
  let node: String

  var id: String { "verify-clean@" + node }
  var title: String { "Verify nothing of the lab is left on \(node)" }

  static let tokenFile = RemoteCommand("test -e \(JoinAgentStep.tokenFile)", privileged: true)

  func leftovers(_ ctx: StepContext) async throws -> [TeardownLeftovers.Item] {
    let agent = ctx.on(node)
    var left: [TeardownLeftovers.Item] = []
    if try await !AgentGPULabelStep(node: node, remove: true).check(ctx) {
      let name = (try? ctx.output(of: JoinAgentStep(node: node)).nodeName) ?? "NODE"
      left.append(.init("the gpu=on label of \(node)'s node", removal: "kubectl label node \(name) gpu-"))
    }
    guard ctx.options.purge else { return left }
    if try await agent.hasCommand("k3s-agent-uninstall.sh") {
      left.append(
        .init(
          "the k3s agent on \(node) (k3s-agent-uninstall.sh is still installed)",
          removal: "sudo k3s-agent-uninstall.sh"))
    }
    if try await agent.run(Self.tokenFile).succeeded {
      left.append(
        .init(
          "the join token's file \(JoinAgentStep.tokenFile) on \(node)",
          removal: "sudo rm \(JoinAgentStep.tokenFile)"))
    }
    if PurgeToolkitStep.removes(agent.parameters, purge: true) {
      if try await PurgeToolkitStep.packageLeft(agent) {
        left.append(.init("the NVIDIA Container Toolkit on \(node) (dpkg-query -W nvidia-container-toolkit)"))
      }
      if try await agent.run(PurgeToolkitStep.listFile).succeeded {
        left.append(
          .init(
            "the toolkit's apt source \(HAMiIsolationLab.toolkitList) on \(node)",
            removal: "sudo rm \(HAMiIsolationLab.toolkitList)"))
      }
    }
    return left
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    guard ctx.options.purge else { return [] }
    return [RemoteCommand("command -v k3s-agent-uninstall.sh >/dev/null 2>&1", node: node)]
      + [Self.tokenFile, PurgeToolkitStep.listFile].map {
        var command = $0
        command.node = node
        return command
      }
  }
}
