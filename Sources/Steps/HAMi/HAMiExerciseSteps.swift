import Foundation
import LabPipeline

/// Sizes from the registered devmem, recorded in run.json for the verifier.
struct ExerciseSizesStep: Step {
  var id: String { "sizes" }
  var title: String { "Compute the slice and oversubscribe sizes from the registered GPU memory" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func observe(_ ctx: StepContext) async throws -> HAMiSizes { try await apply(ctx) }

  func apply(_ ctx: StepContext) async throws -> HAMiSizes {
    let node = try await HAMiLab.nodeName(ctx)
    let annotation = try await ctx.runChecked(HAMiInstallStep.annotation(node))
    guard let registration = HAMiRegistration(lines: HAMiLab.lines(annotation)),
      let devmem = registration.devices.first?.devmem
    else {
      throw StepError.unexpected(
        "node \(node) has no readable hami.io/node-nvidia-register annotation; run `labrun up` again")
    }
    let sizes = try HAMiSizes(devmemMiB: devmem, requestedSliceMiB: try ctx.parameters.int("slice_mib"))
    try await ctx.recordParameter("devmem_mib", .int(sizes.devmemMiB))
    try await ctx.recordParameter("slice_mib", .int(sizes.sliceMiB))
    try await ctx.recordParameter("oversubscribe_mib", .int(sizes.oversubscribeMiB))
    try await ctx.recordParameter("share_pods", .array(HAMiLab.sharePods.map(RecordedValue.string)))
    ctx.note("slice \(sizes.sliceMiB) MiB, oversubscribe \(sizes.oversubscribeMiB) MiB of \(devmem) MiB")
    return sizes
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [HAMiLab.nodeNameCommand, HAMiInstallStep.annotation(ctx.placeholder("node"))]
  }
}

/// Exercise 1: two share pods on one GPU, Ready.
struct CoResidencyStep: Step {
  let files: LabFiles
  var id: String { "co-residency" }
  var title: String { "Exercise 1: two share pods on one GPU" }
  var timeout: Duration { .seconds(1800) }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let sizes = try ctx.output(of: ExerciseSizesStep())
    let commands = try commands(ctx.parameters, sliceMiB: sizes.sliceMiB)
    for command in commands.dropLast() { try await ctx.runChecked(command) }
    try await ctx.runChecked(commands[commands.count - 1])
    try await ctx.capture([RemoteCommand("kubectl get pods -o wide")], into: "1-co-residency.txt")
    return NoOutput()
  }

  func commands(_ parameters: Parameters, sliceMiB: Int) throws -> [RemoteCommand] {
    let image = try parameters.string("probe_image")
    var commands = [RemoteCommand("kubectl apply -f -", stdin: Array(try files.probeConfigMap().utf8))]
    for pod in HAMiLab.sharePods {
      commands.append(
        RemoteCommand(
          "kubectl apply -f -",
          stdin: Array(try files.gpuPod(name: pod, image: image, gpumemMiB: sliceMiB).utf8)))
    }
    let wait = try parameters.duration("pod_ready_timeout")
    commands.append(
      RemoteCommand(
        "kubectl wait --for=condition=Ready \(HAMiLab.sharePods.map { "pod/" + $0 }.joined(separator: " "))"
          + " --timeout=\(Int(wait.seconds))s", timeout: wait + .seconds(30)))
    return commands
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    try commands(ctx.parameters, sliceMiB: (try? ctx.parameters.int("slice_mib")) ?? 0)
      + [RemoteCommand("kubectl get pods -o wide")]
  }
}

/// Exercises 2 and 3 in one pod: the in-pod nvidia-smi, then the CUDA probe.
struct ProbeMemoryStep: Step {
  let pod: String
  var id: String { "probe-memory-\(suffix)" }
  var title: String { "Exercises 2 and 3: nvidia-smi and the CUDA probe in \(pod)" }
  var timeout: Duration { .seconds(900) }
  var suffix: String { pod.split(separator: "-").last.map(String.init) ?? pod }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await ctx.capture(
      try plan(PlanContext(parameters: ctx.parameters, target: ctx.target)),
      into: "2-3-probe-memory-\(suffix).txt")
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let quoted = ShellQuote.quote(pod)
    return [
      RemoteCommand("kubectl exec \(quoted) -- nvidia-smi", timeout: .seconds(60)),
      RemoteCommand(
        "kubectl exec \(quoted) -- sh -c 'nvcc -o /tmp/probe /probe/probe.cu && /tmp/probe'",
        timeout: .seconds(600)),
    ]
  }
}

/// Exercise 4: a pod that fits an empty card but not beside the slices stays Pending.
struct OversubscribeStep: Step {
  let files: LabFiles
  var id: String { "oversubscribe" }
  var title: String { "Exercise 4: the oversubscribe pod stays Pending" }
  var timeout: Duration { .seconds(900) }

  static let pod = HAMiLab.oversubscribePod
  static let phase = RemoteCommand("kubectl get pod \(pod) -o jsonpath='{.status.phase}'")
  static let reasons = RemoteCommand(
    "kubectl get events --field-selector involvedObject.name=\(pod) -o jsonpath='{range .items[*]}{.reason}{\"\\n\"}{end}'"
  )

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let sizes = try ctx.output(of: ExerciseSizesStep())
    try await ctx.runChecked(try create(ctx.parameters, requestMiB: sizes.oversubscribeMiB))
    try await ctx.wait(
      for: "a scheduling verdict on \(Self.pod) (FilteringFailed, or Running)",
      timeout: try ctx.parameters.duration("event_timeout")
    ) {
      if HAMiLab.trimmed(try await ctx.run(Self.phase)) == "Running" { return true }
      return try await ctx.run(Self.reasons).stdoutText.contains("FilteringFailed")
    }
    try await ctx.capture(
      [RemoteCommand("kubectl get pod \(Self.pod) -o wide")], into: "4-oversubscribe-status.txt")
    try await ctx.capture(
      [RemoteCommand("kubectl describe pod \(Self.pod) | sed -n '/^Events:/,$p'")],
      into: "4-oversubscribe-events.txt")
    return NoOutput()
  }

  func create(_ parameters: Parameters, requestMiB: Int) throws -> RemoteCommand {
    let manifest = try files.gpuPod(
      name: Self.pod, image: try parameters.string("probe_image"), gpumemMiB: requestMiB)
    return RemoteCommand("kubectl apply -f -", stdin: Array(manifest.utf8))
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [
      try create(ctx.parameters, requestMiB: (try? ctx.parameters.int("oversubscribe_mib")) ?? 0), Self.phase,
      Self.reasons, RemoteCommand("kubectl get pod \(Self.pod) -o wide"),
      RemoteCommand("kubectl describe pod \(Self.pod) | sed -n '/^Events:/,$p'"),
    ]
  }
}

/// Exercise 5: the HAMi-core injection in pod a (env, ld.so.preload, the library).
struct MechanismStep: Step {
  var id: String { "mechanism" }
  var title: String { "Exercise 5: the HAMi-core mechanism in hami-share-a" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    // A missing preload or library is evidence (the verifier decides), not a step failure.
    try await ctx.capture(
      try plan(PlanContext(parameters: ctx.parameters, target: ctx.target)), into: "5-probe-mechanism-a.txt",
      requireSuccess: false)
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let pod = ShellQuote.quote(HAMiLab.sharePods[0])
    return [
      RemoteCommand("kubectl exec \(pod) -- env"),
      RemoteCommand("kubectl exec \(pod) -- cat /etc/ld.so.preload"),
      RemoteCommand("kubectl exec \(pod) -- ls -l /usr/local/vgpu/"),
    ]
  }
}
