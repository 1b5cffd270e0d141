import Foundation
import LabPipeline

/// `up` on an existing cluster (`--kubeconfig`): provisions nothing. It records the cluster's
/// identity (server version, node names; run.json's `target.cluster` has the context and the
/// SHA-256 of its server URL), requires HAMi's scheduler and device plugin (read from the
/// cluster by the labels of HAMi's chart, its version from the chart label or the image tag),
/// refuses a competing NVIDIA device plugin, and requires a GPU node HAMi registered (the
/// exercises' ``ClusterNodesStep`` reads them all again when they run).
struct ExistingClusterStep: Step {
  struct Output: Codable, Sendable, Equatable {
    var serverVersion: String
    var nodes: [String]
    var hamiVersion: String
    /// The first node HAMi registered, and its first card (its registration is the run's
    /// `node-allocatable.txt`).
    var gpuNode: String
    var gpuUUID: String
  }

  var id: String { "existing-cluster" }
  var title: String { "Existing cluster: identity, HAMi installed, no competing device plugin" }
  var changesTarget: Bool { false }

  static let version = RemoteCommand("kubectl version")
  static let daemonSets = RemoteCommand("kubectl get daemonsets -A --no-headers")
  static let nodeNames = RemoteCommand("kubectl get nodes -o jsonpath='{.items[*].metadata.name}'")
  /// HAMi's workloads as its chart labels them (`app.kubernetes.io/name: hami`, in whatever
  /// namespace it was installed): kind, namespace, name, `helm.sh/chart`, images.
  static let hamiWorkloads = RemoteCommand(
    "kubectl get deployments,daemonsets -A -l app.kubernetes.io/name=hami -o jsonpath='{range .items[*]}"
      + "{.kind}{\" \"}{.metadata.namespace}{\" \"}{.metadata.name}{\" \"}{.metadata.labels.helm\\.sh/chart}"
      + "{\" \"}{.spec.template.spec.containers[*].image}{\"\\n\"}{end}'")
  static let registrations = RemoteCommand(
    "kubectl get nodes -o jsonpath='{range .items[*]}{.metadata.name}{\"\\t\"}"
      + "{.metadata.annotations.hami\\.io/node-nvidia-register}{\"\\n\"}{end}'")

  func check(_ ctx: StepContext) async throws -> Bool { false }

  func observe(_ ctx: StepContext) async throws -> Output { try await apply(ctx) }

  func apply(_ ctx: StepContext) async throws -> Output {
    let serverVersion = try Self.serverVersion(in: try await ctx.runChecked(Self.version).stdoutLines)
    let nodes = try await ctx.runChecked(Self.nodeNames).trimmedStdout.split(separator: " ").map(String.init)
    switch HAMiPreflight.competitor(in: try await ctx.runChecked(Self.daemonSets).stdoutLines) {
    case .gpuOperator(let set)?, .devicePlugin(let set)?:
      throw ExistingClusterError.competingDevicePlugin(daemonSet: set)
    case nil: break
    }
    let workloads = try await ctx.runChecked(Self.hamiWorkloads).stdoutLines
    let hami = try Self.hami(in: workloads)
    let registered = Self.registeredCards(in: try await ctx.runChecked(Self.registrations).stdoutLines)
    guard let (gpuNode, gpuUUID) = registered.first else {
      throw ExistingClusterError.noRegisteredGPUNode(nodes: nodes)
    }
    try await ctx.capture(
      [Self.version, RemoteCommand("kubectl get nodes -o wide")], into: HAMiCatalog.nodes)
    try await ctx.capture(
      [Self.hamiPods(namespace: hami.namespace), Self.hamiWorkloads, Self.daemonSets],
      into: HAMiCatalog.hamiPods)
    try await ctx.capture(
      [HAMiInstallStep.allocatable(gpuNode), HAMiInstallStep.annotation(gpuNode)],
      into: HAMiCatalog.nodeAllocatable)
    try await ctx.recordParameter("cluster_server_version", .string(serverVersion))
    try await ctx.recordParameter("cluster_nodes", .array(nodes.map(RecordedValue.string)))
    try await ctx.recordParameter("hami_installed_version", .string(hami.version))
    ctx.note(
      "Kubernetes \(serverVersion), nodes \(nodes.joined(separator: ", ")); HAMi \(hami.version); "
        + "GPU nodes HAMi registered: \(registered.map(\.node).joined(separator: ", "))")
    return Output(
      serverVersion: serverVersion, nodes: nodes, hamiVersion: hami.version, gpuNode: gpuNode,
      gpuUUID: gpuUUID)
  }

  /// Each node whose `hami.io/node-nvidia-register` names a card, with its first card's UUID, from
  /// ``registrations``' `NODE<TAB>ANNOTATION` lines.
  static func registeredCards(in lines: [String]) -> [(node: String, uuid: String)] {
    lines.compactMap { line in
      let fields = line.split(separator: "\t", maxSplits: 1).map(String.init)
      guard fields.count == 2, let uuid = HAMiRegistration(lines: [fields[1]])?.devices.first?.id else {
        return nil
      }
      return (fields[0], uuid)
    }
  }

  /// `Server Version: v1.31.4+k3s1` from `kubectl version`.
  static func serverVersion(in lines: [String]) throws -> String {
    guard let line = lines.first(where: { $0.hasPrefix("Server Version:") }) else {
      throw StepError.unexpected("`kubectl version` shows no Server Version; check the cluster's API server")
    }
    return line.dropFirst("Server Version:".count).trimmingCharacters(in: .whitespaces)
  }

  /// HAMi's pods where its chart put them.
  static func hamiPods(namespace: String) -> RemoteCommand {
    RemoteCommand("kubectl -n \(ShellQuote.quote(namespace)) get pods -l app.kubernetes.io/name=hami -o wide")
  }

  /// HAMi's namespace and version from its workloads: the chart label (`hami-2.7.1`), else the
  /// tag of the `projecthami/hami` image.
  /// - Throws: ``ExistingClusterError/hamiAbsent(found:)`` without a scheduler Deployment and a
  ///   device plugin DaemonSet.
  static func hami(in lines: [String]) throws -> (namespace: String, version: String) {
    let rows = lines.map { $0.split(separator: " ").map(String.init) }.filter { $0.count >= 3 }
    let scheduler = rows.first { $0[0] == "Deployment" && $0[2].hasSuffix("scheduler") }
    let plugin = rows.first { $0[0] == "DaemonSet" && $0[2].hasSuffix("device-plugin") }
    guard let scheduler, plugin != nil else {
      let found = rows.map { "\($0[0]) \($0[1])/\($0[2])" }
      throw ExistingClusterError.hamiAbsent(
        found: found.isEmpty
          ? "no Deployment or DaemonSet labelled app.kubernetes.io/name=hami"
          : "only " + found.joined(separator: ", "))
    }
    let version =
      scheduler.count > 3 && scheduler[3].hasPrefix("hami-")
      ? String(scheduler[3].dropFirst(5))
      : scheduler.dropFirst(3).first { $0.contains("projecthami/hami:") }
        .flatMap { $0.split(separator: ":").last.map(String.init) }
    return (scheduler[1], version ?? "unknown (no chart label or image tag)")
  }

  func plan(_ ctx: PlanContext) throws -> [RemoteCommand] {
    [Self.version, Self.nodeNames, Self.daemonSets, Self.hamiWorkloads, Self.registrations]
  }
}
