import Foundation
import LabPipeline

/// Uninstalls the HAMi release and what it leaves behind that helm does not remove: the
/// webhook certificate Secret its certgen job made, the `hami.io/` node annotations its device
/// plugin and scheduler wrote, and the host directories the device plugin mounted
/// (`/usr/local/vgpu/` with libvgpu.so, `/tmp/vgpulock`).
struct UninstallHAMiStep: Step {
  var id: String { "uninstall-hami" }
  var title: String { "Uninstall the HAMi release and what it left" }
  var rechecksWhenFinished: Bool { true }

  static let secret = RemoteCommand(
    "kubectl -n kube-system get secret hami-scheduler-tls -o name --ignore-not-found")
  static let hostPaths = ["/usr/local/vgpu", "/tmp/vgpulock"]
  /// Lists the host paths that exist (none: empty output).
  static let hostFiles = RemoteCommand(
    "for p in \(hostPaths.map(ShellQuote.quote).joined(separator: " ")); do if ls -d \"$p\" >/dev/null 2>&1; then echo \"$p\"; fi; done",
    privileged: true)

  static func annotations(_ node: String) -> RemoteCommand {
    RemoteCommand("kubectl get node \(ShellQuote.quote(node)) -o jsonpath='{.metadata.annotations}'")
  }

  /// The node's `hami.io/…` annotation names.
  static func hamiAnnotations(_ ctx: StepContext, node: String) async throws -> [String] {
    let output = try await ctx.run(annotations(node))
    guard output.succeeded,
      let map = try? JSONSerialization.jsonObject(with: Data(output.stdout)) as? [String: Any]
    else { return [] }
    return map.keys.filter { $0.hasPrefix("hami.io/") }.sorted()
  }

  /// What of HAMi is still there, in words; empty when nothing is.
  static func leftovers(_ ctx: StepContext) async throws -> [String] {
    var left: [String] = []
    let hasKubectl = try await ctx.hasCommand("kubectl")
    if hasKubectl, try await ctx.hasCommand("helm"), try await HAMiInstallStep().releaseState(ctx) != nil {
      left.append("the HAMi Helm release (helm -n kube-system list)")
    }
    if hasKubectl, try await ctx.run(RemoteCommand("kubectl get nodes -o name")).succeeded {
      if !(try await ctx.run(secret)).trimmedStdout.isEmpty {
        left.append("Secret kube-system/hami-scheduler-tls")
      }
      let node = try await HAMiIsolationLab.nodeName(ctx)
      let names = try await hamiAnnotations(ctx, node: node)
      if !names.isEmpty { left.append("node annotations \(names.joined(separator: ", "))") }
    }
    let files = try await ctx.run(hostFiles).stdoutLines.filter { !$0.isEmpty }
    if !files.isEmpty { left.append("host \(files.joined(separator: ", "))") }
    return left
  }

  func check(_ ctx: StepContext) async throws -> Bool {
    let clean = try await Self.leftovers(ctx).isEmpty
    if clean { ctx.satisfied("nothing of HAMi left") }
    return clean
  }

  func apply(_ ctx: StepContext) async throws -> NoOutput {
    let hasKubectl = try await ctx.hasCommand("kubectl")
    if hasKubectl, try await ctx.hasCommand("helm"), try await HAMiInstallStep().releaseState(ctx) != nil {
      try await ctx.runChecked(Self.uninstall)
    }
    if hasKubectl, try await ctx.run(RemoteCommand("kubectl get nodes -o name")).succeeded {
      try await ctx.runChecked(Self.deleteSecret)
      let node = try await HAMiIsolationLab.nodeName(ctx)
      let names = try await Self.hamiAnnotations(ctx, node: node)
      if !names.isEmpty {
        try await ctx.runChecked(
          "kubectl annotate node \(ShellQuote.quote(node)) "
            + names.map { ShellQuote.quote($0 + "-") }.joined(separator: " "))
      }
    }
    try await ctx.runChecked(Self.removeHostFiles)
    return NoOutput()
  }

  static let uninstall = RemoteCommand(
    "\(HAMiIsolationLab.helm) -n kube-system uninstall hami --wait", timeout: .seconds(300))
  static let deleteSecret = RemoteCommand(
    "kubectl -n kube-system delete secret hami-scheduler-tls --ignore-not-found")
  static let removeHostFiles = RemoteCommand(
    "rm -rf \(hostPaths.map(ShellQuote.quote).joined(separator: " "))", privileged: true)

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [
      Self.uninstall, Self.deleteSecret, HAMiIsolationLab.nodeNameCommand,
      Self.annotations(ctx.placeholder("node")),
      // Every hami.io/ annotation the node has; these two are the ones HAMi 2.9 writes.
      RemoteCommand(
        "kubectl annotate node \(ctx.placeholder("node")) 'hami.io/node-nvidia-register-' 'hami.io/node-handshake-nvidia-'"
      ),
      Self.removeHostFiles,
    ]
  }
}
