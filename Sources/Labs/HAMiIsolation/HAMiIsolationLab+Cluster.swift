import Foundation
import LabPipeline

/// A cluster run's verdicts: exercises 1–5 once per GPU node, each judged by the one-host checks
/// on that node's view of the bundle (``EvidenceBundle/node(_:nodeFiles:)``), then 8 placement and
/// 9 cluster budget across nodes. A bundle is a cluster's when run.json records
/// `cluster_gpu_nodes`; nodes without a GPU (`cluster_cpu_nodes`) are listed, not judged.
extension HAMiIsolationLab {
  var clusterChecks: [any HAMiCheck] { [PlacementCheck(), ClusterBudgetCheck()] }

  /// The GPU nodes of a cluster bundle, or nil for one host's.
  static func gpuNodes(of bundle: EvidenceBundle) -> [String]? {
    bundle.run.parameters["cluster_gpu_nodes"]?.names
  }

  /// The nodes without a GPU of a cluster bundle.
  static func cpuNodes(of bundle: EvidenceBundle) -> [String] {
    bundle.run.parameters["cluster_cpu_nodes"]?.names ?? []
  }

  public func expectedResultCount(for bundle: EvidenceBundle) -> Int {
    guard let nodes = Self.gpuNodes(of: bundle) else { return checks.count }
    return hamiChecks.count * nodes.count + clusterChecks.count
  }

  /// One result per node and exercise (`1@gpu-2`, titled with the node and its card), then 8 and 9.
  func clusterResults(for bundle: EvidenceBundle, nodes: [String]) -> [ExerciseResult] {
    var results: [ExerciseResult] = []
    for node in nodes {
      let evidence = HAMiEvidence(bundle.node(node, nodeFiles: HAMiCatalog.nodeFiles))
      let card = evidence.card.name?.value.replacingOccurrences(of: "NVIDIA ", with: "")
      let elsewhere = Self.podsElsewhere(evidence, node: node)
      for var result in hamiChecks.map({ $0.evaluate(evidence) }) {
        if let elsewhere {
          result.verdict = .inconclusive
          result.reason = elsewhere
        }
        result.id += "@" + node
        result.title += " on \(node)" + (card.map { " (\($0))" } ?? "")
        results.append(result)
      }
    }
    let whole = HAMiEvidence(bundle)
    return results + clusterChecks.map { $0.evaluate(whole) }
  }

  /// Why node `node`'s exercises say nothing of it, if they do not: the setup witness is the
  /// co-residency listing, and a share pod it shows on another node (the node selector not
  /// honoured) means every exercise of this node measured that other node.
  static func podsElsewhere(_ evidence: HAMiEvidence, node: String) -> String? {
    guard let listing = evidence.bundle.artifact(HAMiCatalog.coResidency) else { return nil }
    let elsewhere = evidence.sharePods.compactMap { pod -> String? in
      guard let ran = KubectlTable.row(named: pod, in: listing.outputLines)?["NODE"], !ran.isEmpty,
        ran != "<none>", ran != node
      else { return nil }
      return "\(pod) ran on \(ran)"
    }
    guard !elsewhere.isEmpty else { return nil }
    return elsewhere.joined(separator: ", ")
      + ", not on \(node) (\(listing.name)): the node selector was not "
      + "honoured, so these exercises measured another node"
  }

  /// The Environment rows a cluster adds: each GPU node's card, from its own files, and the nodes
  /// listed and skipped. On an existing cluster (`--kubeconfig`) a node's card is HAMi's
  /// registration, read through the API, and the rows say so.
  static func clusterRows(_ bundle: EvidenceBundle) -> [EnvironmentSummary.Row] {
    guard let nodes = gpuNodes(of: bundle) else { return [] }
    let existing = bundle.run.target?.cluster != nil
    var rows = nodes.map { node in
      let card = HAMiEvidence(bundle.node(node, nodeFiles: HAMiCatalog.nodeFiles)).card
      // The card's text names the one-host files it read: name the node's own.
      var text = HAMiCatalog.nodeFiles.reduce(gpuText(card)) {
        $0.replacingOccurrences(of: $1, with: HAMiCatalog.file($1, on: node))
      }
      if existing {
        text +=
          "; model, memory and UUID as HAMi registered them (hami.io/node-nvidia-register, read through the API): "
          + "labrun has no shell on an existing cluster's nodes"
      }
      return EnvironmentSummary.Row("GPU node \(node)", text)
    }
    let cpu = cpuNodes(of: bundle)
    if !cpu.isEmpty {
      rows.append(
        existing
          ? EnvironmentSummary.Row(
            "Nodes without a GPU HAMi registered",
            cpu.joined(separator: ", ")
              + ": no hami.io/node-nvidia-register; listed and skipped, not judged (run.json)")
          : EnvironmentSummary.Row(
            "Nodes without a GPU", cpu.joined(separator: ", ") + ": listed and skipped, not judged (run.json)"
          ))
    }
    return rows
  }

  /// The page's bullets for a cluster: what passed on every GPU node, then 8 and 9.
  static func clusterProves(_ results: [ExerciseResult], nodes: [String]) -> [String] {
    var bullets: [String] = []
    let names = [
      "1": "co-residency", "2": "the sliced view", "3": "the memory cap", "4": "the per-card budget",
      "5": "the HAMi-core mechanism",
    ]
    let everywhere = ["1", "2", "3", "4", "5"].filter { id in
      nodes.allSatisfy { node in results.contains { $0.id == id + "@" + node && $0.verdict == .pass } }
    }
    if !everywhere.isEmpty {
      bullets.append(
        "On every GPU node (\(nodes.joined(separator: ", "))), each on its own card: "
          + everywhere.map { "\(names[$0] ?? $0) (Exercise \($0))" }.joined(separator: ", ") + ".")
    }
    if results.contains(where: { $0.id == "8" && $0.verdict == .pass }) {
      bullets.append(
        "HAMi's scheduler places pods across nodes as the pod asks (Exercise 8): "
          + "`hami.io/node-scheduler-policy: binpack` packs two share pods onto one node, `spread` spreads them over two."
      )
    }
    if let budget = results.first(where: { $0.id == "9" && $0.verdict == .pass }) {
      bullets.append(
        "The budget is per node, not per cluster (Exercise 9): a \(budget.facts["cluster_budget_mib"] ?? "?") MiB pod "
          + "stays Pending although the cluster has \(budget.facts["free_total_mib"] ?? "?") MiB free in all, "
          + "because no one node has that much.")
    }
    return bullets
  }
}
