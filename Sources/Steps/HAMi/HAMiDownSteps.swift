import Foundation
import LabPipeline

/// Deletes every pod and ConfigMap the exercises created (they all carry the lab's label).
struct DeleteLabObjectsStep: Step {
  var id: String { "delete-lab-objects" }
  var title: String { "Delete the lab's pods and ConfigMap" }

  static let list = RemoteCommand("kubectl get pods,configmaps -l \(HAMiLab.partOfLabel) -o name")

  func check(_ ctx: StepContext) async throws -> Bool {
    guard try await HAMiLab.has("kubectl", ctx) else { return true }
    let output = try await ctx.run(Self.list)
    return output.succeeded && HAMiLab.trimmed(output).isEmpty
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await ctx.runChecked(try plan(PlanContext(parameters: ctx.parameters, target: ctx.target))[0])
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [
      RemoteCommand(
        "kubectl delete pods,configmaps -l \(HAMiLab.partOfLabel) --ignore-not-found --wait=true --timeout=120s",
        timeout: .seconds(150))
    ]
  }
}

/// Uninstalls the HAMi release.
struct UninstallHAMiStep: Step {
  var id: String { "uninstall-hami" }
  var title: String { "Uninstall the HAMi release" }

  func check(_ ctx: StepContext) async throws -> Bool {
    guard try await HAMiLab.has("helm", ctx), try await HAMiLab.has("kubectl", ctx) else { return true }
    return try await HAMiInstallStep().releaseState(ctx) == nil
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await ctx.runChecked(try plan(PlanContext(parameters: ctx.parameters, target: ctx.target))[0])
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [RemoteCommand("\(HAMiLab.helm) -n kube-system uninstall hami --wait", timeout: .seconds(300))]
  }
}

/// Removes the `gpu` label from the node.
struct RemoveGPULabelStep: Step {
  var id: String { "remove-gpu-label" }
  var title: String { "Remove the gpu=on label" }

  func check(_ ctx: StepContext) async throws -> Bool {
    guard try await HAMiLab.has("kubectl", ctx) else { return true }
    let node = try await HAMiLab.nodeName(ctx)
    return HAMiLab.trimmed(try await ctx.run(GPULabelStep.read(node))).isEmpty
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let node = try await HAMiLab.nodeName(ctx)
    try await ctx.runChecked("kubectl label node \(ShellQuote.quote(node)) gpu-")
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [HAMiLab.nodeNameCommand, RemoteCommand("kubectl label node \(ctx.placeholder("node")) gpu-")]
  }
}

/// `down --purge`: k3s's own uninstaller.
struct PurgeK3sStep: Step {
  var id: String { "purge-k3s" }
  var title: String { "Uninstall k3s (--purge only)" }
  var timeout: Duration { .seconds(600) }

  func check(_ ctx: StepContext) async throws -> Bool {
    guard HAMiLab.purge(ctx.parameters) else { return true }
    return try await !HAMiLab.has("k3s-uninstall.sh", ctx)
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await ctx.runChecked(RemoteCommand("k3s-uninstall.sh", privileged: true, timeout: .seconds(540)))
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    HAMiLab.purge(ctx.parameters)
      ? [RemoteCommand("k3s-uninstall.sh", privileged: true, timeout: .seconds(540))] : []
  }
}

/// `down --purge`: the NVIDIA Container Toolkit and its apt source.
struct PurgeToolkitStep: Step {
  var id: String { "purge-toolkit" }
  var title: String { "Remove the NVIDIA Container Toolkit and its apt source (--purge only)" }

  static let listFile = RemoteCommand("cat \(ShellQuote.quote(HAMiLab.toolkitList))")

  func check(_ ctx: StepContext) async throws -> Bool {
    guard HAMiLab.purge(ctx.parameters) else { return true }
    let installed = try await ctx.run(ContainerToolkitStep.installed).stdoutText.contains(
      "install ok installed")
    guard !installed else { return false }
    return try await !ctx.run(Self.listFile).succeeded
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    for command in Self.commands { try await ctx.runChecked(command) }
    return NoOutput()
  }

  static let commands = [
    RemoteCommand(
      "DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq \(HAMiLab.toolkitPackages)", privileged: true,
      timeout: .seconds(300)),
    RemoteCommand(
      "rm -f \(ShellQuote.quote(HAMiLab.toolkitList)) \(ShellQuote.quote(HAMiLab.toolkitKeyring))",
      privileged: true),
  ]

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    HAMiLab.purge(ctx.parameters) ? Self.commands : []
  }
}

/// Says what is left, and fails if anything is.
struct VerifyCleanStep: Step {
  var id: String { "verify-clean" }
  var title: String { "Verify nothing of the lab is left" }

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    var left: [String] = []
    if try await !DeleteLabObjectsStep().check(ctx) {
      left.append("lab pods or ConfigMap (kubectl get pods,configmaps -l \(HAMiLab.partOfLabel))")
    }
    if try await !UninstallHAMiStep().check(ctx) {
      left.append("the HAMi Helm release (helm -n kube-system list)")
    }
    if try await !RemoveGPULabelStep().check(ctx) { left.append("the gpu=on node label") }
    if try await !PurgeK3sStep().check(ctx) { left.append("k3s (k3s-uninstall.sh is still installed)") }
    if try await !PurgeToolkitStep().check(ctx) {
      left.append("the NVIDIA Container Toolkit or its apt source")
    }
    guard left.isEmpty else {
      throw StepError.unexpected(
        "teardown left: \(left.joined(separator: "; ")); run `labrun down` again or remove them by hand")
    }
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [DeleteLabObjectsStep.list, HAMiInstallStep.release]
  }
}
