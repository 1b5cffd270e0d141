import Foundation
import LabPipeline

/// Exercise 9 (a cluster's): PASS iff a pod larger than every GPU node's free memory, though no
/// larger than the cluster's free memory in all, is Pending with FilteringFailed from HAMi's
/// scheduler.
///
/// Setup first: each node's free memory comes from ``HAMiCatalog/clusterBudgetFree`` (every GPU
/// node's registration less the allocations handed out), the request from run.json's
/// `cluster_budget_mib`; a request that fits some node, or more than the cluster has, proves no
/// per-node budget: INCONCLUSIVE. Then a placed pod (Running, or a Scheduled event) is a FAIL.
struct ClusterBudgetCheck: HAMiCheck {
  static let heading = ExerciseHeading(
    "9", "Cluster budget (scheduler)",
    criteria: "a pod larger than any node's free memory stays Pending though the cluster has room")

  func judge(_ evidence: HAMiEvidence, _ outcome: inout CheckOutcome) throws(Inconclusive) -> Finding {
    let pod = HAMiCatalog.clusterBudgetPod
    let gpuNodes = evidence.bundle.run.parameters["cluster_gpu_nodes"]?.names ?? []
    guard gpuNodes.count >= 2 else {
      throw Inconclusive(
        reason: "the cluster budget needs two GPU nodes; run.json's cluster_gpu_nodes lists \(gpuNodes.count)"
      )
    }
    guard let freeArtifact = evidence.bundle.artifact(HAMiCatalog.clusterBudgetFree) else {
      throw Inconclusive(
        reason: "\(HAMiCatalog.clusterBudgetFree) missing: each node's free memory is unknown")
    }
    outcome.cite(freeArtifact)
    let free = HAMiNodeLoad.read(freeArtifact, nodes: gpuNodes).free
    let unread = gpuNodes.filter { free.perNode[$0] == nil }
    guard unread.isEmpty else {
      throw Inconclusive(
        reason:
          "\(HAMiCatalog.clusterBudgetFree) has no readable registration for \(unread.joined(separator: ", "))"
      )
    }
    guard let request = evidence.bundle.run.parameters["cluster_budget_mib"]?.wholeNumber else {
      throw Inconclusive(reason: "run.json lacks cluster_budget_mib: the request is unknown")
    }
    outcome.excerpt.append("free per node: \(free.summary); \(free.total) MiB in all; request \(request) MiB")
    if let fits = free.perNode.first(where: { $0.value >= request }) {
      throw Inconclusive(
        reason:
          "the \(request) MiB request fits \(fits.key) (\(fits.value) MiB free): Pending would prove no "
          + "per-node budget")
    }
    guard request <= free.total else {
      throw Inconclusive(
        reason:
          "the \(request) MiB request exceeds the cluster's \(free.total) MiB free in all: the cluster has "
          + "no room for it either")
    }
    let pending = PendingPodEvidence(
      pod: pod, status: evidence.bundle.artifact(HAMiCatalog.clusterBudgetStatus),
      events: evidence.bundle.artifact(HAMiCatalog.clusterBudgetEvents), into: &outcome)
    switch pending.placement(&outcome) {
    case .status(let status)?:
      return Finding(.fail, "\(pod) (\(request) MiB) is \(status): a node took more than its free memory")
    case .scheduled?:
      return Finding(
        .fail, "\(pod) (\(request) MiB) has a Scheduled event: a node took more than its free memory")
    case nil:
      break
    }
    let (row, events, status) = (pending.row, pending.events, pending.status)
    guard row != nil, status == "Pending" else {
      throw Inconclusive(reason: "\(HAMiCatalog.clusterBudgetStatus) shows no Pending row for \(pod)")
    }
    let filtering = events?.events.filter { $0.reason == "FilteringFailed" } ?? []
    guard !filtering.isEmpty else {
      throw Inconclusive(
        reason:
          "\(pod) is Pending, but \(HAMiCatalog.clusterBudgetEvents) shows no FilteringFailed from HAMi's scheduler"
      )
    }
    outcome.excerpt += filtering.map(\.line)
    return Finding(
      .pass,
      "\(pod) (\(request) MiB) Pending - FilteringFailed on every node (free: \(free.summary); \(free.total) MiB in all)",
      facts: ["cluster_budget_mib": String(request), "free_total_mib": String(free.total)])
  }
}
