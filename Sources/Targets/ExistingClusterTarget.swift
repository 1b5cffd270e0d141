import Foundation
import LabPipeline
import LabSim
import Remote

/// `--kubeconfig FILE [--context NAME]`: an existing Kubernetes cluster, driven through kubectl on
/// this machine. The kubeconfig stays the user's: labrun reads its contexts and the context's
/// server URL (kept in memory, recorded only as a SHA-256), and hands kubectl the file's path.
///
/// A server whose host ends in `.sim.labrun.invalid` (`.invalid` never resolves) is a simulated
/// cluster that labrun did not provision (docs/simulator.md, "An existing cluster"): the same
/// kubectl command lines reach the simulated kubectl, which reads the same kubeconfig.
public struct ExistingClusterTarget: Sendable {
  /// The kubeconfig's absolute path.
  public let kubeconfig: String
  /// The context used: `--context`, else the file's current-context.
  public let context: String
  /// The context's server URL: never written anywhere.
  let server: String

  /// The host suffix of a simulated cluster's server.
  public static let simulatedSuffix = ".sim.labrun.invalid"

  /// Reads the kubeconfig and resolves the context.
  /// - Throws: ``KubeconfigError`` (exit status 2) for a missing file, no or an unknown context.
  public init(kubeconfig: String, context: String?) throws {
    self.kubeconfig = kubeconfig
    let resolved = try Kubeconfig.load(path: kubeconfig).resolve(context: context, path: kubeconfig)
    self.context = resolved.context
    self.server = resolved.server
  }

  /// What run.json records: the context and the SHA-256 of its server URL.
  public var identity: ExistingClusterIdentity {
    ExistingClusterIdentity(context: context, serverSHA256: Artifact.hexDigest(of: Data(server.utf8)))
  }

  /// The simulated cluster's nodes' card profiles, in order, when the server is a simulated one
  /// (`https://[PROFILE[.PROFILE…].]sim.labrun.invalid`: one node per label, the default card's
  /// alone when there is none), else nil.
  /// - Throws: ``SimulatedHostError/unknownProfile(_:known:)``.
  public func simulatedProfiles() throws -> [SimProfile]? {
    guard let host = URLComponents(string: server)?.host,
      host == "sim.labrun.invalid" || host.hasSuffix(Self.simulatedSuffix)
    else { return nil }
    let labels =
      host == "sim.labrun.invalid"
      ? [SimProfile.defaultID]
      : host.dropLast(Self.simulatedSuffix.count).split(separator: ".").map(String.init)
    return try labels.map { label in
      guard let profile = SimProfile.named(label) else {
        throw SimulatedHostError.unknownProfile(label, known: SimProfile.all.map(\.id))
      }
      return profile
    }
  }

  /// The run's target name: the context and the start of its server's hash (`default@294537f1d34f`).
  /// Many kubeconfigs name their context `default`: a run on one cluster must never be resumed
  /// on another (``LabPipeline/RunResumption`` matches runs by this name).
  public var name: String { context + "@" + identity.serverSHA256.prefix(12) }

  /// The target as run.json records it, from the file alone (`labrun plan`).
  public func describe() throws -> TargetInfo {
    var info = TargetInfo(name: name, kind: try simulatedProfiles() == nil ? .kubeconfig : .simulated)
    info.cluster = identity
    return info
  }

  /// kubectl on this machine (or the simulated cluster's), answering: `kubectl version` must
  /// reach the API server.
  /// - Throws: ``KubeconfigError/unreachable(context:detail:)`` (exit 3),
  ///   ``KubeconfigError/kubectlMissing``.
  public func open(
    options: ConnectionOptions, scenario: String? = nil, labrun: URL? = Bundle.main.executableURL
  ) async throws -> any Transport {
    let inner: any Transport
    if let profiles = try simulatedProfiles() {
      inner = try await openSimulated(
        profiles: profiles, options: options, scenario: scenario, labrun: labrun)
    } else {
      inner = LocalTransport(name: name)
    }
    let transport = ExistingClusterTransport(
      inner: inner, kubeconfig: kubeconfig, context: context, server: server, info: try describe())
    let version = try await transport.run(RemoteCommand("kubectl version", timeout: .seconds(60)))
    if version.exitStatus == 127 { throw KubeconfigError.kubectlMissing }
    guard version.succeeded, version.stdoutText.contains("Server Version") else {
      let detail = (version.stderrText + version.stdoutText).split(separator: "\n")
        .last { !$0.hasPrefix("Client Version") && !$0.hasPrefix("Kustomize") }
      throw KubeconfigError.unreachable(
        context: context, detail: detail.map(String.init) ?? "kubectl version exited \(version.exitStatus)")
    }
    return transport
  }

  /// The simulated cluster of `profiles` (a node each) under the state directory
  /// (`sim/existing/PROFILE[.PROFILE…]/`), pre-built on first use: k3s and HAMi running, other
  /// teams' objects in their namespaces.
  private func openSimulated(
    profiles: [SimProfile], options: ConnectionOptions, scenario scenarioName: String?, labrun: URL?
  ) async throws -> any Transport {
    let (scenario, tool) = try TargetSpec.simulator(scenario: scenarioName, labrun: labrun)
    let directory = options.state.root.appendingPathComponent("sim/existing", isDirectory: true)
      .appendingPathComponent(profiles.map(\.id).joined(separator: "."), isDirectory: true)
      .standardizedFileURL.path
    var host = SimulatedHost(
      directory: directory, profile: profiles[0], scenario: scenario, tool: tool,
      hostname: profiles[0].hasGPU ? "gpu-node-1" : "cpu-node-1", preBuiltCluster: true)
    host.preBuiltNodes = Array(profiles.dropFirst())
    return try await SimulatedTransport.open(
      host: host, inner: LocalTransport(name: name), name: name, environment: options.environment)
  }
}
