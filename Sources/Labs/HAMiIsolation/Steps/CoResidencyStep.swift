import Foundation
import LabPipeline

/// Exercise 1: two share pods on one GPU, Ready.
struct CoResidencyStep: Step {
  let manifests: HAMiManifests
  var id: String { "co-residency" }
  var title: String { "Exercise 1: two share pods on one GPU" }
  var timeout: Duration { .seconds(1800) }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let sizes = try ctx.output(of: ExerciseSizesStep())
    let commands = try commands(ctx.parameters, sliceMiB: sizes.sliceMiB)
    for command in commands.dropLast() { try await ctx.runChecked(command) }
    try await ctx.runChecked(commands[commands.count - 1])
    try await ctx.capture([RemoteCommand("kubectl get pods -o wide")], into: HAMiCatalog.coResidency)
    return NoOutput()
  }

  func commands(_ parameters: Parameters, sliceMiB: Int) throws -> [RemoteCommand] {
    let image = try parameters.string("probe_image")
    var commands = [RemoteCommand("kubectl apply -f -", stdin: Array(try manifests.probeConfigMap().utf8))]
    for pod in HAMiCatalog.sharePods {
      commands.append(
        RemoteCommand(
          "kubectl apply -f -",
          stdin: Array(try manifests.gpuPod(name: pod, image: image, gpumemMiB: sliceMiB).utf8)))
    }
    let wait = try parameters.duration("pod_ready_timeout")
    commands.append(
      RemoteCommand(
        "kubectl wait --for=condition=Ready \(HAMiCatalog.sharePods.map { "pod/" + $0 }.joined(separator: " "))"
          + " --timeout=\(Int(wait.seconds))s", timeout: wait + .seconds(30)))
    return commands
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    try commands(ctx.parameters, sliceMiB: (try? ctx.parameters.int("slice_mib")) ?? 0)
      + [RemoteCommand("kubectl get pods -o wide")]
  }
}
