import Foundation
import LabPipeline

/// The lab on an existing cluster (`--kubeconfig`, docs/cluster.md "An existing cluster"):
/// `up` provisions nothing, the exercises that work through the API run in labrun's own
/// namespace, `down` removes that namespace only.
///
/// Every exercise (1–5) reads what it needs through the API: pods and their scheduler record
/// (1), `kubectl exec` of nvidia-smi and the probe in the share pods (2, 3), the scheduler's
/// events (4), the pod's environment and files (5). What only a node's shell gives is not
/// captured and the page says "not in the evidence": the host's own nvidia-smi (the card's
/// memory comes from HAMi's registration instead), its OS, k3s's containerd config and the
/// helm release list.
extension HAMiIsolationLab {
  public func existingClusterPhases(files: LabFiles) -> LabPhases? {
    let manifests = HAMiManifests(files: files)
    return LabPhases(
      up: [ExistingClusterStep()],
      exercises: [
        LabNamespaceStep(), ExerciseSizesStep(), CoResidencyStep(manifests: manifests),
        ProbeMemoryStep(pod: HAMiCatalog.sharePods[0]), ProbeMemoryStep(pod: HAMiCatalog.sharePods[1]),
        OversubscribeStep(manifests: manifests), MechanismStep(),
      ],
      down: [RemoveLabNamespaceStep()])
  }

  /// The node the exercises' pods use: the existing cluster's GPU node HAMi registered, else
  /// the (single) node labrun provisioned.
  static func gpuNode(_ ctx: StepContext) async throws -> String {
    if let facts = try? ctx.output(of: ExistingClusterStep()) { return facts.gpuNode }
    return try await nodeName(ctx)
  }

  /// The card the share pods are pinned to: the existing cluster's registered card, else the
  /// one preflight found on the host.
  static func gpuUUID(_ ctx: StepContext) throws -> String {
    if let facts = try? ctx.output(of: ExistingClusterStep()) { return facts.gpuUUID }
    return try ctx.output(of: HAMiPreflight()).uuid
  }
}
