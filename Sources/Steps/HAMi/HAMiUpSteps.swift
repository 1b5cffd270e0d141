import Foundation
import LabPipeline

/// The NVIDIA Container Toolkit from NVIDIA's apt repository, before k3s so k3s finds the
/// nvidia runtime when it starts.
struct ContainerToolkitStep: Step {
  var id: String { "container-toolkit" }
  var title: String { "Install the NVIDIA Container Toolkit" }

  static let installed = RemoteCommand("dpkg-query -W -f='${Status}' nvidia-container-toolkit")

  func check(_ ctx: StepContext) async throws -> Bool {
    try await ctx.run(Self.installed).stdoutText.contains("install ok installed")
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    for command in try plan(PlanContext(parameters: ctx.parameters, target: ctx.target)) {
      try await ctx.runChecked(command)
    }
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let keyring = ShellQuote.quote(HAMiLab.toolkitKeyring)
    return [
      RemoteCommand(
        "curl -fsSL https://nvidia.github.io/libnvidia-container/gpgkey | gpg --batch --yes --dearmor -o \(keyring)",
        privileged: true, timeout: .seconds(120)),
      RemoteCommand(
        "curl -fsSL https://nvidia.github.io/libnvidia-container/stable/deb/nvidia-container-toolkit.list"
          + " | sed 's#deb https://#deb [signed-by=\(HAMiLab.toolkitKeyring)] https://#g'"
          + " | tee \(ShellQuote.quote(HAMiLab.toolkitList)) >/dev/null",
        privileged: true, timeout: .seconds(120)),
      RemoteCommand(
        "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nvidia-container-toolkit",
        privileged: true, timeout: .seconds(600)),
    ]
  }
}

/// k3s at the pinned version, with k3s's own default-runtime option and a readable kubeconfig.
struct K3sInstallStep: Step {
  var id: String { "k3s" }
  var title: String { "Install k3s (default runtime nvidia)" }
  var timeout: Duration { .seconds(900) }

  static let exec = "server --default-runtime nvidia --write-kubeconfig-mode 644"

  func check(_ ctx: StepContext) async throws -> Bool {
    let version = try ctx.parameters.string("k3s_version")
    let installed = try await ctx.run("k3s --version")
    guard installed.succeeded, installed.stdoutText.contains(version) else { return false }
    return try await ctx.run("systemctl is-active --quiet k3s").succeeded
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    for command in try plan(PlanContext(parameters: ctx.parameters, target: ctx.target)) {
      try await ctx.runChecked(command)
    }
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    let version = try ctx.parameters.string("k3s_version")
    return [
      RemoteCommand(
        "curl -sfL -o /tmp/labrun-k3s-install.sh https://get.k3s.io && INSTALL_K3S_VERSION=\(ShellQuote.quote(version))"
          + " INSTALL_K3S_EXEC=\(ShellQuote.quote(Self.exec)) sh /tmp/labrun-k3s-install.sh",
        privileged: true, timeout: .seconds(840))
    ]
  }
}

/// Waits for the node to be Ready; its outputs (node name, server version) feed later steps.
struct NodeReadyStep: Step {
  struct Output: Codable, Sendable, Hashable {
    var node: String
    var serverVersion: String
  }

  var id: String { "node-ready" }
  var title: String { "Wait for the k3s node to be Ready" }

  static let nodes = RemoteCommand("kubectl get nodes --no-headers")

  func check(_ ctx: StepContext) async throws -> Bool {
    try await ready(ctx)
  }

  func ready(_ ctx: StepContext) async throws -> Bool {
    let output = try await ctx.run(Self.nodes)
    let lines = HAMiLab.lines(output).filter { !$0.isEmpty }
    return output.succeeded && !lines.isEmpty
      && lines.allSatisfy {
        $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first == "Ready"
      }
  }

  func apply(_ ctx: StepContext) async throws -> Output {
    try await ctx.wait(
      for: "the k3s node to be Ready", timeout: try ctx.parameters.duration("node_ready_timeout")
    ) {
      try await ready(ctx)
    }
    return try await observe(ctx)
  }

  func observe(_ ctx: StepContext) async throws -> Output {
    try await ctx.capture([RemoteCommand("kubectl get nodes -o wide")], into: "0-k8s-nodes.txt")
    let version = try await ctx.runChecked("kubectl version")
    guard
      let line = HAMiLab.lines(version).first(where: { $0.hasPrefix("Server Version:") }),
      let server = line.split(separator: " ").last.map(String.init)
    else { throw StepError.unexpected("`kubectl version` printed no Server Version; is k3s running?") }
    return Output(node: try await HAMiLab.nodeName(ctx), serverVersion: server)
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [
      Self.nodes, RemoteCommand("kubectl get nodes -o wide"), RemoteCommand("kubectl version"),
      HAMiLab.nodeNameCommand,
    ]
  }
}

/// Confirms the nvidia RuntimeClass and the containerd default runtime k3s generated.
///
/// A default runtime other than nvidia is reported, not fatal: the exercises then show its
/// consequence (no HAMi-core in the pods), which is what the evidence is for.
struct DefaultRuntimeStep: Step {
  var id: String { "default-runtime" }
  var title: String { "Confirm the nvidia RuntimeClass and default_runtime_name" }

  static let runtimeClass = RemoteCommand("kubectl get runtimeclass nvidia")
  static let config = RemoteCommand(
    "grep -E '^version|default_runtime_name' \(HAMiLab.containerdConfig)", privileged: true)

  func check(_ ctx: StepContext) async throws -> Bool {
    guard try await ctx.run(Self.runtimeClass).succeeded else { return false }
    return try await runtime(ctx) == "nvidia"
  }

  func runtime(_ ctx: StepContext) async throws -> String? {
    ShellOutputs.defaultRuntime(in: HAMiLab.lines(try await ctx.run(Self.config)))?.name
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await ctx.wait(
      for: "the nvidia RuntimeClass", timeout: try ctx.parameters.duration("node_ready_timeout")
    ) {
      try await ctx.run(Self.runtimeClass).succeeded
    }
    return try await observe(ctx)
  }

  func observe(_ ctx: StepContext) async throws -> NoOutput {
    let outputs = try await ctx.capture([Self.config], into: "0-default-runtime.txt")
    let found = ShellOutputs.defaultRuntime(in: HAMiLab.lines(outputs[0]))?.name ?? "none"
    if found != "nvidia" {
      ctx.note(
        "warning: containerd's default runtime is \(found), not nvidia: pods will not get HAMi-core; "
          + "the exercises will record the consequence")
    }
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] { [Self.runtimeClass, Self.config] }
}

/// Labels the node `gpu=on`, where HAMi's device plugin runs.
struct GPULabelStep: Step {
  var id: String { "gpu-label" }
  var title: String { "Label the node gpu=on" }

  func check(_ ctx: StepContext) async throws -> Bool {
    let node = try await HAMiLab.nodeName(ctx)
    return HAMiLab.trimmed(try await ctx.run(Self.read(node))) == "on"
  }

  static func read(_ node: String) -> RemoteCommand {
    RemoteCommand("kubectl get node \(ShellQuote.quote(node)) -o jsonpath='{.metadata.labels.gpu}'")
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let node = try ctx.output(of: NodeReadyStep()).node
    try await ctx.runChecked("kubectl label node \(ShellQuote.quote(node)) gpu=on --overwrite")
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [RemoteCommand("kubectl label node \(ctx.placeholder("node")) gpu=on --overwrite")]
  }
}

/// helm, with its official install script.
struct HelmInstallStep: Step {
  var id: String { "helm" }
  var title: String { "Install helm" }

  func check(_ ctx: StepContext) async throws -> Bool {
    try await ctx.run("helm version --short").succeeded
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    try await ctx.runChecked(try plan(PlanContext(parameters: ctx.parameters, target: ctx.target))[0])
    return NoOutput()
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [
      RemoteCommand(
        "curl -fsSL -o /tmp/labrun-get-helm-3.sh https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-3"
          + " && sh /tmp/labrun-get-helm-3.sh",
        privileged: true, timeout: .seconds(300))
    ]
  }
}
