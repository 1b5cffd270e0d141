import Foundation
import LabPipeline

/// `labs/hami-isolation-realgpu`: k3s with the nvidia default runtime and HAMi on one GPU
/// host, the five isolation exercises, and a verified teardown (DESIGN.md, "The lab").
public enum HAMiLab {
  /// The lab's steps; `labDirectory` holds its manifests/ and probes/.
  public static func phases(labDirectory: URL) -> LabPhases {
    let files = LabFiles(directory: labDirectory)
    return LabPhases(
      up: [
        HAMiPreflight(), ContainerToolkitStep(), K3sInstallStep(), NodeReadyStep(), DefaultRuntimeStep(),
        GPULabelStep(), HelmInstallStep(), HAMiInstallStep(),
      ],
      exercises: [
        ExerciseSizesStep(), CoResidencyStep(files: files), ProbeMemoryStep(pod: sharePods[0]),
        ProbeMemoryStep(pod: sharePods[1]), OversubscribeStep(files: files), MechanismStep(),
      ],
      down: [
        DeleteLabObjectsStep(), UninstallHAMiStep(), RemoveGPULabelStep(), PurgeK3sStep(), PurgeToolkitStep(),
        VerifyCleanStep(),
      ])
  }

  /// The two share pods, and the pod that asks for more than fits beside them.
  public static let sharePods = ["hami-share-a", "hami-share-b"]
  public static let oversubscribePod = "hami-oversubscribe"
  /// The label every object the exercises create carries, so down can find them all.
  public static let partOfLabel = "app.kubernetes.io/part-of=labrun-hami-isolation"
  /// k3s's kubeconfig (mode 644 thanks to --write-kubeconfig-mode), for helm.
  public static let helm = "KUBECONFIG=/etc/rancher/k3s/k3s.yaml helm"
  public static let containerdConfig = "/var/lib/rancher/k3s/agent/etc/containerd/config.toml"
  public static let toolkitList = "/etc/apt/sources.list.d/nvidia-container-toolkit.list"
  public static let toolkitKeyring = "/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg"
  public static let toolkitPackages =
    "nvidia-container-toolkit nvidia-container-toolkit-base libnvidia-container-tools libnvidia-container1"

  /// The name of the (single) node.
  static let nodeNameCommand = RemoteCommand("kubectl get nodes -o jsonpath='{.items[0].metadata.name}'")

  static func trimmed(_ output: CommandOutput) -> String {
    output.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  static func lines(_ output: CommandOutput) -> [String] {
    output.stdoutText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }

  /// Whether `name` is on the target's PATH.
  static func has(_ name: String, _ ctx: StepContext) async throws -> Bool {
    try await ctx.run("command -v \(ShellQuote.quote(name)) >/dev/null 2>&1").succeeded
  }

  /// The node's name as the cluster reports it.
  static func nodeName(_ ctx: StepContext) async throws -> String {
    let name = trimmed(try await ctx.runChecked(nodeNameCommand))
    guard !name.isEmpty else {
      throw StepError.unexpected("the cluster reports no node; check `kubectl get nodes`")
    }
    return name
  }

  /// `purge`, false when not recorded (plan, or a down without --purge).
  static func purge(_ parameters: Parameters) -> Bool {
    (try? parameters.bool("purge")) ?? false
  }
}
