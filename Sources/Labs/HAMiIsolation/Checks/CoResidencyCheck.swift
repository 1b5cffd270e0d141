import Foundation
import LabPipeline

/// Exercise 1: PASS iff every share pod is Running, all on one node, and that node has one
/// physical GPU.
///
/// "One physical GPU" comes from the share pods' `hami.io/vgpu-devices-allocated` annotations
/// when ``HAMiCatalog/coResidency`` carries them (one `$ kubectl get pod POD -o jsonpath=…`
/// section per pod): every pod on the same single GPU UUID passes, pods on different GPUs
/// fail. Without them it comes from the host: a one-node cluster that is the pods' node, whose
/// host shows exactly one GPU. A host with several GPUs and no annotations is INCONCLUSIVE.
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
    let allocated = pods.compactMap { evidence.allocations[$0] }
    outcome.excerpt += allocated.map(\.line)
    let gpus = Set(allocated.flatMap(\.devices).map(\.uuid))
    if gpus.count > 1 {
      let placement = allocated.map { "\($0.pod) on \($0.devices.map(\.uuid).joined(separator: "+"))" }
      outcome.failures.append(
        "hami.io/vgpu-devices-allocated puts the pods on \(gpus.count) GPUs (\(placement.joined(separator: ", ")))"
      )
    }
    if let decided = outcome.decided { return decided }
    guard let node = distinctNodes.first else {
      return Finding(.inconclusive, "no node shown for the share pods")
    }
    let names = pods.count == 2 ? "\(pods[0]) + \(pods[1]) both" : pods.joined(separator: " + ") + " all"
    if allocated.count == pods.count, let gpu = gpus.first {
      return Finding(
        .pass,
        "\(names) Running on \(node), on one GPU (\(MechanismCheck.abbreviated(gpu)) per hami.io/vgpu-devices-allocated)",
        facts: ["node": node, "gpu": gpu])
    }
    return try judgeByHost(evidence, node: node, names: names, &outcome)
  }

  /// One physical GPU from the host: the cluster is the pods' node alone, and its host shows one GPU.
  private func judgeByHost(
    _ evidence: HAMiEvidence, node: String, names: String, _ outcome: inout CheckOutcome
  ) throws(Inconclusive) -> Finding {
    let nodesArtifact = evidence.bundle.artifact(Self.nodesFile)
    outcome.cite(nodesArtifact)
    guard let nodesArtifact else {
      return Finding(
        .inconclusive, "\(Self.nodesFile) missing: cannot tie the host's GPUs to node \(node)")
    }
    let nodeNames = KubectlTable.nodeRows(in: nodesArtifact.outputLines).compactMap { $0["NAME"] }
    guard Set(nodeNames) == [node] else {
      return Finding(
        .inconclusive,
        "\(Self.nodesFile) lists \(nodeNames.isEmpty ? "no node" : nodeNames.joined(separator: ", ")), "
          + "not just \(node): the host's GPU count does not describe the pods' node")
    }
    guard let count = evidence.card.gpuCount else {
      outcome.cite(evidence.bundle.artifact(HAMiCatalog.hostGPU))
      return Finding(
        .inconclusive, "\(HAMiCatalog.hostGPU) missing or unreadable: the node's GPU count is unknown")
    }
    outcome.cite(evidence.bundle.artifact(count.file))
    outcome.excerpt += evidence.card.excerpt.filter { $0.hasPrefix("GPU ") }
    guard count.value == 1 else {
      return Finding(
        .inconclusive,
        "\(node) has \(count.value) GPUs and \(Self.file) has no hami.io/vgpu-devices-allocated annotation "
          + "for every share pod: which GPU each pod got is unknown")
    }
    return Finding(.pass, "\(names) Running on \(node)", facts: ["node": node])
  }
}
