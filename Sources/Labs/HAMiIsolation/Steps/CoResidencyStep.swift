import Foundation
import LabPipeline

/// Exercise 1: two share pods on one GPU, Ready.
///
/// Both pods are pinned to the card preflight found first (`nvidia.com/use-gpuuuid`), and
/// each pod's `hami.io/vgpu-devices-allocated` annotation is captured, so on a multi-GPU
/// host the check reads "one physical GPU" from the scheduler's own record. The wait fails
/// as soon as a pod cannot start (an image that cannot be pulled, a container that cannot be
/// created), quoting the event, instead of waiting out `pod_ready_timeout`.
struct CoResidencyStep: Step {
  let manifests: HAMiManifests
  var id: String { "co-residency" }
  var title: String { "Exercise 1: two share pods on one GPU" }
  var timeout: Duration { .seconds(1800) }
  func timeout(_ parameters: Parameters) -> Duration {
    guard let wait = try? parameters.duration("pod_ready_timeout") else { return timeout }
    return wait + .seconds(300)
  }

  /// A container waiting for one of these reasons will not start by waiting longer.
  static let fatalReasons: Set<String> = [
    "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "CreateContainerError",
    "CreateContainerConfigError",
  ]

  /// One line per pod: name, phase, Ready condition, container waiting reasons.
  static func status(_ pods: [String]) -> RemoteCommand {
    RemoteCommand(
      "kubectl get pods \(pods.map(ShellQuote.quote).joined(separator: " ")) -o jsonpath='{range .items[*]}"
        + "{.metadata.name}{\" \"}{.status.phase}{\" \"}{.status.conditions[?(@.type==\"Ready\")].status}"
        + "{\" \"}{.status.containerStatuses[*].state.waiting.reason}{\"\\n\"}{end}'")
  }

  /// The pod's events as `Reason: message` lines.
  static func events(_ pod: String) -> RemoteCommand {
    RemoteCommand(
      "kubectl get events --field-selector \(ShellQuote.quote("involvedObject.name=" + pod))"
        + " -o jsonpath='{range .items[*]}{.reason}{\": \"}{.message}{\"\\n\"}{end}'")
  }

  static func allocation(_ pod: String) -> RemoteCommand {
    RemoteCommand(
      "kubectl get pod \(ShellQuote.quote(pod)) -o jsonpath='{.metadata.annotations.hami\\.io/vgpu-devices-allocated}'"
    )
  }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let sizes = try ctx.output(of: ExerciseSizesStep())
    let gpu = try ctx.output(of: HAMiPreflight()).uuid
    try await run(ctx, sliceMiB: sizes.sliceMiB, gpuUUID: gpu, node: nil)
    return NoOutput()
  }

  /// Creates the share pods on GPU `gpuUUID` (of cluster node `node`, when given), waits until
  /// they are Ready and captures the listing into the node's ``HAMiCatalog/coResidency``.
  func run(_ ctx: StepContext, sliceMiB: Int, gpuUUID: String, node: String?) async throws {
    for command in try create(ctx.parameters, sliceMiB: sliceMiB, gpuUUID: gpuUUID, node: node) {
      try await ctx.runChecked(command)
    }
    try await Self.waitReady(HAMiCatalog.sharePods, ctx)
    let file = HAMiCatalog.file(HAMiCatalog.coResidency, on: node)
    try await ctx.capture(
      [RemoteCommand("kubectl get pods -o wide")] + HAMiCatalog.sharePods.map(Self.allocation), into: file)
  }

  /// Waits until every pod is Ready; throws at once, quoting the pod's events, when one
  /// cannot start.
  static func waitReady(_ pods: [String], _ ctx: StepContext) async throws {
    try await ctx.wait(
      for: "\(pods.joined(separator: " and ")) to be Ready",
      timeout: try ctx.parameters.duration("pod_ready_timeout")
    ) {
      let output = try await ctx.run(status(pods))
      guard output.succeeded else { return false }
      let lines = output.stdoutLines.filter { !$0.isEmpty }
      for line in lines {
        let fields = line.split(separator: " ").map(String.init)
        guard let reason = fields.dropFirst(2).first(where: fatalReasons.contains) else { continue }
        let pod = fields[0]
        let events = try await ctx.run(Self.events(pod)).stdoutLines.filter { !$0.isEmpty }
        // The longest failure says why (`Failed to pull image …: 429 Too Many Requests …`);
        // the others only repeat the reason.
        let failures = events.filter { $0.hasPrefix("Failed") }
        let quoted = failures.max { $0.count < $1.count } ?? events.last ?? "(no events)"
        throw StepError.unexpected(
          "pod \(pod) cannot start: \(reason): \(quoted); fix the image (`--param probe_image=…`) "
            + "or the registry access, then run the same command again")
      }
      return lines.count == pods.count
        && lines.allSatisfy { $0.split(separator: " ").dropFirst(2).first == "True" }
    }
  }

  func create(_ parameters: Parameters, sliceMiB: Int, gpuUUID: String, node: String? = nil) throws
    -> [RemoteCommand]
  {
    let image = try parameters.string("probe_image")
    var commands = [RemoteCommand("kubectl apply -f -", stdin: Array(try manifests.probeConfigMap().utf8))]
    for pod in HAMiCatalog.sharePods {
      let manifest =
        try node.map {
          try manifests.clusterPod(name: pod, image: image, gpumemMiB: sliceMiB, gpuUUID: gpuUUID, node: $0)
        } ?? manifests.gpuPod(name: pod, image: image, gpumemMiB: sliceMiB, gpuUUID: gpuUUID)
      commands.append(RemoteCommand("kubectl apply -f -", stdin: Array(manifest.utf8)))
    }
    return commands
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    try create(
      ctx.parameters, sliceMiB: (try? ctx.parameters.int("slice_mib")) ?? 0,
      gpuUUID: ctx.placeholder("gpu-uuid"))
      + [Self.status(HAMiCatalog.sharePods), RemoteCommand("kubectl get pods -o wide")]
      + HAMiCatalog.sharePods.map(Self.allocation)
  }
}
