import Foundation
import LabPipeline

/// The lab on an existing cluster (`--kubeconfig`, docs/cluster.md "An existing cluster"):
/// `up` provisions nothing, the exercises that work through the API run in labrun's own
/// namespace, `down` removes that namespace only.
///
/// The exercises are a cluster's, as on one labrun provisions (`HAMiIsolationLab+Cluster.swift`):
/// 1–5 on every GPU node HAMi registered, one node after the other, then 8 placement and 9
/// cluster budget across them; a node HAMi did not register is listed and skipped. Every exercise
/// reads what it needs through the API: pods and their scheduler record (1, 8), `kubectl exec` of
/// nvidia-smi and the probe in the share pods (2, 3), the scheduler's events (4, 9), the pod's
/// environment and files (5), each node's registration (its card: model, memory, UUID). What only
/// a node's shell gives is not captured and the page says "not in the evidence": the node's own
/// nvidia-smi, its OS, k3s's containerd config and the helm release list.
extension HAMiIsolationLab {
  public func existingClusterPhases(files: LabFiles) -> LabPhases? {
    let manifests = HAMiManifests(files: files)
    return LabPhases(
      up: [ExistingClusterStep()],
      exercises: [
        LabNamespaceStep(), ClusterNodesStep(agents: nil),
        NodeExercisesStep(scope: .registeredNodes, manifests: manifests),
        PlacementStep(manifests: manifests), ClusterBudgetStep(manifests: manifests),
      ],
      down: [RemoveLabNamespaceStep()])
  }
}
