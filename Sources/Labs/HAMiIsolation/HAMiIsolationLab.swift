import Foundation
import LabPipeline

/// `labs/hami-isolation-realgpu`: k3s with the nvidia default runtime and HAMi on one GPU
/// host, the five isolation exercises with their checks, and a verified teardown (the lab's
/// README). Its names are in ``HAMiCatalog``, its page text in
/// `HAMiIsolationLab+PageText.swift`, its Environment table in `+Environment.swift`.
public struct HAMiIsolationLab: Lab, ValidationLab {
  public static let name = "hami-isolation-realgpu"
  public var name: String { Self.name }

  public init() {}

  public var referencedFiles: [String] { HAMiManifests.all }

  /// The simulated host's scenarios for this lab (docs/simulator.md).
  public var simulatedScenarios: [String] {
    [
      "none", "runtime-runc", "view-only", "oversubscribe-scheduled", "gpu-operator-present",
      "device-plugin-present", "k3s-install-fails-once", "hami-release-stuck", "label-sticks",
      "driver-broken", "mig-enabled", "sudo-password", "not-apt", "disk-short", "apt-locked",
      "preinstalled-toolkit", "image-pull-fails", "old-driver", "agent-cannot-reach-server",
      "kubelet-port-blocked", "wrong-token",
      "spread-ignored", "hami-absent",
    ]
  }

  public func phases(files: LabFiles) -> LabPhases {
    let manifests = HAMiManifests(files: files)
    return LabPhases(
      up: [
        HAMiPreflight(), ClaimHostStep(), ContainerToolkitStep(), K3sInstallStep(), NodeReadyStep(),
        DefaultRuntimeStep(),
        GPULabelStep(), HelmInstallStep(), HAMiInstallStep(),
      ],
      exercises: [
        ExerciseSizesStep(), CoResidencyStep(manifests: manifests),
        ProbeMemoryStep(pod: HAMiCatalog.sharePods[0]), ProbeMemoryStep(pod: HAMiCatalog.sharePods[1]),
        OversubscribeStep(manifests: manifests), MechanismStep(),
      ],
      down: [
        ConfirmOwnershipStep(), DeleteLabObjectsStep(), UninstallHAMiStep(), RemoveGPULabelStep(),
        PurgeK3sStep(), PurgeToolkitStep(),
        PurgeHelmStep(), VerifyCleanStep(), ReleaseHostStep(),
      ])
  }

  /// On a cluster: the server's own steps as on one host, each agent claimed, given the toolkit
  /// when it has a GPU, joined with the
  /// server's token (after the server's k3s is Ready) and labelled when it has a GPU; `down`
  /// takes the agents' labels off, uninstalls their k3s agent under `--purge` before the
  /// server's k3s, verifies each agent clean after the server, and frees them last.
  public func phases(files: LabFiles, nodes: [String]) -> LabPhases? {
    var phases = phases(files: files)
    func after(_ id: String, in steps: [any Step], insert: [any Step]) -> [any Step] {
      guard let index = steps.firstIndex(where: { $0.id == id }) else { return steps + insert }
      var steps = steps
      steps.insert(contentsOf: insert, at: index + 1)
      return steps
    }
    phases.up = after("claim-host", in: phases.up, insert: nodes.map { OnNode(ClaimHostStep(), node: $0) })
    phases.up = after(
      "container-toolkit", in: phases.up, insert: nodes.map { GPUAgentStep(ContainerToolkitStep(), node: $0) }
    )
    phases.up = after("node-ready", in: phases.up, insert: nodes.map { JoinAgentStep(node: $0) })
    phases.up = after("gpu-label", in: phases.up, insert: nodes.map { AgentGPULabelStep(node: $0) })
    let manifests = HAMiManifests(files: files)
    phases.exercises =
      [ClusterNodesStep(agents: nodes), NodeExercisesStep(route: nil, manifests: manifests)]
      + nodes.map { NodeExercisesStep(route: $0, manifests: manifests) }
      + [PlacementStep(manifests: manifests), ClusterBudgetStep(manifests: manifests)]
    phases.down = after(
      "confirm-owner", in: phases.down, insert: nodes.map { OnNode(ConfirmOwnershipStep(), node: $0) })
    phases.down = after(
      "remove-gpu-label", in: phases.down, insert: nodes.map { AgentGPULabelStep(node: $0, remove: true) })
    phases.down = after(
      "remove-gpu-label@" + (nodes.last ?? ""), in: phases.down,
      insert: nodes.map { PurgeAgentStep(node: $0) }
        + nodes.map { GPUAgentStep(PurgeToolkitStep(), node: $0) })
    phases.down = after(
      "verify-clean", in: phases.down,
      insert: nodes.map { AgentVerifyCleanStep(node: $0) } + nodes.map { OnNode(ReleaseHostStep(), node: $0) }
    )
    return phases
  }

  public var validation: (any ValidationLab)? { self }

  public var checks: [any ExerciseCheck] { hamiChecks }

  var hamiChecks: [any HAMiCheck] {
    [CoResidencyCheck(), DeviceViewCheck(), MemoryCapCheck(), SchedulerBudgetCheck(), MechanismCheck()]
  }

  /// Reads the facts every check shares (the card, the pods' GPUs) once for all five.
  public func results(for bundle: EvidenceBundle) -> [ExerciseResult] {
    if let nodes = Self.gpuNodes(of: bundle) { return clusterResults(for: bundle, nodes: nodes) }
    let evidence = HAMiEvidence(bundle)
    return hamiChecks.map { $0.evaluate(evidence) }
  }
}

/// Where HAMi, k3s and the toolkit keep things on the host, and the small queries several
/// steps share.
extension HAMiIsolationLab {
  /// k3s's kubeconfig (mode 644 thanks to --write-kubeconfig-mode), for helm.
  static let helm = "KUBECONFIG=/etc/rancher/k3s/k3s.yaml helm"
  static let containerdConfig = "/var/lib/rancher/k3s/agent/etc/containerd/config.toml"
  static let toolkitList = "/etc/apt/sources.list.d/nvidia-container-toolkit.list"
  static let toolkitKeyring = "/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg"
  static let toolkitPackages =
    "nvidia-container-toolkit nvidia-container-toolkit-base libnvidia-container-tools libnvidia-container1"

  /// The name of the (single) node.
  static let nodeNameCommand = RemoteCommand("kubectl get nodes -o jsonpath='{.items[0].metadata.name}'")

  /// The node's name as the cluster reports it.
  static func nodeName(_ ctx: StepContext) async throws -> String {
    let name = try await ctx.runChecked(nodeNameCommand).trimmedStdout
    guard !name.isEmpty else {
      throw StepError.unexpected("the cluster reports no node; check `kubectl get nodes`")
    }
    return name
  }
}
