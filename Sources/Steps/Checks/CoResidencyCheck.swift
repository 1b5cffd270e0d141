import Foundation
import LabPipeline

/// Exercise 1: PASS iff every share pod is Running, all on one node, and that node has one
/// physical GPU.
public struct CoResidencyCheck: ExerciseCheck {
  public let id = "1"
  public let title = "Co-residency"
  public let criteria = "two pods on one physical GPU"
  static let file = "1-co-residency.txt"
  static let nodesFile = "0-k8s-nodes.txt"

  public init() {}

  public func evaluate(_ bundle: EvidenceBundle) -> ExerciseResult {
    let facts = HAMiEvidence(bundle)
    func result(_ verdict: Verdict, _ reason: String, _ outcome: PodOutcomes, facts: [String: String] = [:])
      -> ExerciseResult
    {
      ExerciseResult(
        id: id, title: title, criteria: criteria, verdict: verdict, reason: reason, excerpt: outcome.excerpt,
        evidence: outcome.evidence, facts: facts)
    }
    var outcome = PodOutcomes()
    guard let artifact = bundle.artifact(Self.file) else {
      return result(.inconclusive, "\(Self.file) missing: no pod listing", outcome)
    }
    outcome.cite(artifact)
    let pods = facts.sharePods
    guard pods.count >= 2 else {
      return result(
        .inconclusive, "run.json names \(pods.count) share pod(s); co-residency needs two or more", outcome)
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
    if outcome.verdict != .pass {
      return result(outcome.verdict, outcome.problem, outcome)
    }
    guard let node = distinctNodes.first else {
      return result(.inconclusive, "no node shown for the share pods", outcome)
    }
    // The host's GPU count describes the node only in a one-node cluster that is this node.
    let nodesArtifact = bundle.artifact(Self.nodesFile)
    outcome.cite(nodesArtifact)
    guard let nodesArtifact else {
      return result(
        .inconclusive, "\(Self.nodesFile) missing: cannot tie the host's GPUs to node \(node)", outcome)
    }
    let nodeNames = KubectlTable.tables(in: nodesArtifact.outputLines)
      .filter { $0.headers.contains("ROLES") || $0.headers.contains("VERSION") }
      .flatMap(\.rows).compactMap { $0["NAME"] }
    guard Set(nodeNames) == [node] else {
      return result(
        .inconclusive,
        "\(Self.nodesFile) lists \(nodeNames.isEmpty ? "no node" : nodeNames.joined(separator: ", ")), "
          + "not just \(node): the host's GPU count does not describe the pods' node", outcome)
    }
    let hostArtifact = bundle.artifact(HAMiEvidence.hostGPUFile)
    outcome.cite(hostArtifact)
    guard let card = facts.card, let count = card.gpuCount else {
      return result(
        .inconclusive, "\(HAMiEvidence.hostGPUFile) missing or unreadable: the node's GPU count is unknown",
        outcome)
    }
    outcome.excerpt += card.excerpt.filter { $0.hasPrefix("GPU ") }
    guard count == 1 else {
      return result(
        .inconclusive, "\(node) has \(count) GPUs: the listing does not show both pods on one physical GPU",
        outcome)
    }
    let names = pods.count == 2 ? "\(pods[0]) + \(pods[1]) both" : pods.joined(separator: " + ") + " all"
    return result(.pass, "\(names) Running on \(node)", outcome, facts: ["node": node])
  }
}
