import Foundation
import LabPipeline

/// Exercise 1: PASS iff every share pod is Running, all on one node, and that node has one
/// physical GPU.
struct CoResidencyCheck: HAMiCheck {
  static let heading = ExerciseHeading("1", "Co-residency", criteria: "two pods on one physical GPU")
  static let file = HAMiCatalog.coResidency
  static let nodesFile = HAMiCatalog.nodes

  func judge(_ evidence: HAMiEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    guard let artifact = evidence.bundle.artifact(Self.file) else {
      return Finding(.inconclusive, "\(Self.file) missing: no pod listing")
    }
    outcome.cite(artifact)
    let pods = evidence.sharePods
    guard pods.count >= 2 else {
      return Finding(
        .inconclusive, "run.json names \(pods.count) share pod(s); co-residency needs two or more")
    }
    var nodes: [String: String] = [:]
    for pod in pods {
      guard let row = KubectlTable.row(named: pod, in: artifact.outputLines) else {
        outcome.gaps.append("no row for \(pod) in \(Self.file)")
        continue
      }
      outcome.excerpt.append(row.line)
      let status = row["STATUS"] ?? ""
      if status != "Running" {
        outcome.failures.append("\(pod) is \(status.isEmpty ? "without a status" : status), not Running")
      }
      if let node = row["NODE"], !node.isEmpty, node != "<none>" {
        nodes[pod] = node
      } else {
        outcome.gaps.append("no NODE column for \(pod) (expected `kubectl get pods -o wide`)")
      }
    }
    let distinctNodes = Set(nodes.values)
    if distinctNodes.count > 1 {
      let placement = pods.compactMap { pod in nodes[pod].map { "\(pod) on \($0)" } }.joined(separator: ", ")
      outcome.failures.append("the pods run on different nodes (\(placement))")
    }
    if let decided = outcome.decided { return decided }
    guard let node = distinctNodes.first else {
      return Finding(.inconclusive, "no node shown for the share pods")
    }
    // The host's GPU count describes the node only in a one-node cluster that is this node.
    let nodesArtifact = evidence.bundle.artifact(Self.nodesFile)
    outcome.cite(nodesArtifact)
    guard let nodesArtifact else {
      return Finding(
        .inconclusive, "\(Self.nodesFile) missing: cannot tie the host's GPUs to node \(node)")
    }
    let nodeNames = KubectlTable.tables(in: nodesArtifact.outputLines)
      .filter { $0.headers.contains("ROLES") || $0.headers.contains("VERSION") }
      .flatMap(\.rows).compactMap { $0["NAME"] }
    guard Set(nodeNames) == [node] else {
      return Finding(
        .inconclusive,
        "\(Self.nodesFile) lists \(nodeNames.isEmpty ? "no node" : nodeNames.joined(separator: ", ")), "
          + "not just \(node): the host's GPU count does not describe the pods' node")
    }
    let hostArtifact = evidence.bundle.artifact(HAMiCatalog.hostGPU)
    outcome.cite(hostArtifact)
    guard let card = evidence.card, let count = card.gpuCount else {
      return Finding(
        .inconclusive, "\(HAMiCatalog.hostGPU) missing or unreadable: the node's GPU count is unknown")
    }
    outcome.excerpt += card.excerpt.filter { $0.hasPrefix("GPU ") }
    guard count == 1 else {
      return Finding(
        .inconclusive, "\(node) has \(count) GPUs: the listing does not show both pods on one physical GPU")
    }
    let names = pods.count == 2 ? "\(pods[0]) + \(pods[1]) both" : pods.joined(separator: " + ") + " all"
    return Finding(.pass, "\(names) Running on \(node)", facts: ["node": node])
  }
}
