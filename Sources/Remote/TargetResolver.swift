import Foundation
import LabPipeline
import LabSim

/// Turns `--host` into a transport: `local`, `sim[:PROFILE]`, or an ssh target
/// (an ssh_config alias or `user@host[:port]`).
public enum TargetResolver {
  public static func open(host: String, options: ConnectionOptions) async throws -> any Transport {
    let trimmed = host.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else { throw TargetError.emptyHost }
    if trimmed == "local" { return LocalTransport() }
    if let spec = try SimulatedTargetSpec(parsing: trimmed) {
      return try await openSimulated(spec, name: trimmed, options: options)
    }
    return try await SSHTransportFactory.open(host: trimmed, options: options)
  }

  /// The simulated GPU host, through this machine or (`sim+HOST`) through an sshd.
  static func openSimulated(_ spec: SimulatedTargetSpec, name: String, options: ConnectionOptions)
    async throws
    -> any Transport
  {
    var scenario: SimScenario?
    if let text = options.simScenario {
      guard let value = SimScenario(rawValue: text) else {
        throw SimulatedHostError.unknownScenario(text, known: SimScenario.allCases.map(\.rawValue))
      }
      scenario = value
    }
    let tool =
      options.environment["LABRUN_SIM_TOOL"]
      ?? Bundle.main.executableURL.map {
        $0.deletingLastPathComponent().appendingPathComponent("labrun-sim").path
      }
      ?? "labrun-sim"
    guard FileManager.default.isExecutableFile(atPath: tool) else {
      throw SimulatedHostError.toolMissing(path: tool)
    }
    let directory = options.state.root.appendingPathComponent("sim", isDirectory: true)
      .appendingPathComponent(spec.profile.id).standardizedFileURL.path
    let host = SimulatedHost(directory: directory, profile: spec.profile, scenario: scenario, tool: tool)
    let inner: any Transport
    if let via = spec.via {
      inner = try await SSHTransportFactory.open(host: via, options: options)
    } else {
      inner = LocalTransport(name: name)
    }
    return try await SimulatedTransport.open(
      host: host, inner: inner, name: name, environment: options.environment)
  }
}

/// `sim[:PROFILE][+HOST]`: the simulated host's card and, with `+HOST`, the ssh target whose
/// shell runs its commands (the simulated tools then run on that machine).
struct SimulatedTargetSpec: Sendable, Hashable {
  var profile: SimProfile
  var via: String?

  /// nil when `host` does not name the simulated host.
  init?(parsing host: String) throws {
    let parts = host.split(separator: "+", maxSplits: 1).map(String.init)
    guard let head = parts.first, head == "sim" || head.hasPrefix("sim:") else { return nil }
    let profileID = head == "sim" ? SimProfile.defaultID : String(head.dropFirst(4))
    guard let profile = SimProfile.named(profileID) else {
      throw SimulatedHostError.unknownProfile(profileID, known: SimProfile.all.map(\.id))
    }
    self.profile = profile
    self.via = parts.count > 1 ? parts[1] : nil
  }
}

extension TargetResolver {
  /// What `host` names, without connecting: for `labrun plan`, which must not touch the target.
  public static func describe(host: String) throws -> TargetInfo {
    let trimmed = host.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else { throw TargetError.emptyHost }
    if trimmed == "local" { return TargetInfo(name: trimmed, kind: .local) }
    if try SimulatedTargetSpec(parsing: trimmed) != nil { return TargetInfo(name: trimmed, kind: .simulated) }
    let spec = try SSHTransportFactory.HostSpec(parsing: trimmed)
    return TargetInfo(name: trimmed, kind: .ssh, address: spec.host, user: spec.user, port: spec.port)
  }
}

/// Why `--host` could not be opened.
public enum TargetError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// `--host ""`.
  case emptyHost

  public var description: String {
    switch self {
    case .emptyHost:
      return "--host is empty; pass an ssh_config alias, user@host[:port], local, or sim[:PROFILE]"
    }
  }

  public var errorDescription: String? { description }
}
