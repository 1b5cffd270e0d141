import Foundation
import LabPipeline
import LabSim
import Remote

/// `--host`, parsed once: `local`, `sim[:PROFILE][/NAME][+ALIAS]`, or an ssh target (an
/// ssh_config alias or `user@host[:port]`). ``describe()`` says what it names without connecting
/// (`labrun plan`); ``open(options:scenario:)`` connects.
public struct TargetSpec: Sendable, Hashable {
  /// What kind of place `--host` names.
  public enum Kind: Sendable, Hashable {
    /// This machine, through local processes.
    case local
    /// The simulated GPU host with `profile`'s card, run through this machine or, with
    /// `via`, through that ssh target's shell.
    case simulated(profile: SimProfile, via: String?)
    /// A machine over SSH.
    case ssh(SSHTransportFactory.HostSpec)
  }

  /// `--host` as the user gave it (trimmed): the run's target name.
  public let name: String
  public let kind: Kind
  /// A simulated host's own machine: `/NAME`, else the `+ALIAS` it is reached through; nil for
  /// a real target and for `sim[:PROFILE]` alone (the one machine per card it always was).
  /// Each named machine has its own state (ownership, installed k3s, …).
  public let machine: String?

  /// - Throws: ``TargetError/emptyHost``, ``SimulatedHostError/unknownProfile(_:known:)`` or
  ///   ``SSHError/invalidHostSpec(_:)``.
  public init(parsing host: String) throws {
    let trimmed = host.trimmingCharacters(in: .whitespaces)
    guard !trimmed.isEmpty else { throw TargetError.emptyHost }
    name = trimmed
    if trimmed == "local" {
      kind = .local
      machine = nil
      return
    }
    let parts = trimmed.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false)
      .map(String.init)
    if let head = parts.first, head == "sim" || head.hasPrefix("sim:") || head.hasPrefix("sim/") {
      let via = parts.count > 1 ? parts[1] : nil
      if let via, via.isEmpty { throw TargetError.emptyAlias(trimmed) }
      let named = head.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        .map(String.init)
      let card = named[0]
      let profileID = card == "sim" ? SimProfile.defaultID : String(card.dropFirst(4))
      guard card == "sim" || card.hasPrefix("sim:"), let profile = SimProfile.named(profileID) else {
        throw SimulatedHostError.unknownProfile(profileID, known: SimProfile.all.map(\.id))
      }
      let machine = named.count > 1 ? named[1] : via
      if let machine { try Self.checkMachineName(machine, in: trimmed) }
      kind = .simulated(profile: profile, via: via)
      self.machine = machine
      return
    }
    kind = .ssh(try SSHTransportFactory.HostSpec(parsing: trimmed))
    machine = nil
  }

  /// A simulated machine's name becomes a directory: letters, digits, `.`, `_`, `-`; not
  /// `.` or `..`.
  private static func checkMachineName(_ machine: String, in host: String) throws {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    guard !machine.isEmpty, machine != ".", machine != "..", machine.allSatisfy(allowed.contains) else {
      throw TargetError.invalidMachineName(machine, host: host)
    }
  }

  /// Where this simulated host's machine keeps its state under `state`: `sim/PROFILE/` for
  /// `sim[:PROFILE]`, `sim/PROFILE/hosts/NAME/` for a named one.
  public func simulatorDirectory(profile: SimProfile, state: StateDirectory) -> URL {
    var directory = state.root.appendingPathComponent("sim", isDirectory: true)
      .appendingPathComponent(profile.id, isDirectory: true)
    if let machine {
      directory = directory.appendingPathComponent("hosts", isDirectory: true)
        .appendingPathComponent(machine, isDirectory: true)
    }
    return directory.standardizedFileURL
  }

  /// Checks `sim_scenario` before anything connects (plan and up agree on it); nil and any
  /// value on a real target are fine.
  /// - Throws: ``SimulatedHostError/unknownScenario(_:known:)``.
  public func checkScenario(_ name: String?) throws {
    guard case .simulated = kind, let name else { return }
    _ = try Self.scenario(named: name)
  }

  /// A simulated host's scenario (nil: keep the host's) and the labrun executable its tools link
  /// to (by default the running program).
  /// - Throws: ``SimulatedHostError/unknownScenario(_:known:)``, ``SimulatedHostError/toolMissing(path:)``.
  static func simulator(scenario name: String?, labrun: URL?) throws -> (SimScenario?, String) {
    let scenario = try name.map(Self.scenario(named:))
    let tool = labrun?.resolvingSymlinksInPath().path ?? CommandLine.arguments.first ?? "labrun"
    guard FileManager.default.isExecutableFile(atPath: tool) else {
      throw SimulatedHostError.toolMissing(path: tool)
    }
    return (scenario, tool)
  }

  static func scenario(named name: String) throws -> SimScenario {
    guard let value = SimScenario(rawValue: name) else {
      throw SimulatedHostError.unknownScenario(name, known: SimScenario.allCases.map(\.rawValue))
    }
    return value
  }

  /// What the target is, from the text alone: for `labrun plan`, which must not touch it.
  public func describe() -> TargetInfo {
    switch kind {
    case .local: return TargetInfo(name: name, kind: .local)
    case .simulated: return TargetInfo(name: name, kind: .simulated)
    case .ssh(let spec):
      return TargetInfo(name: name, kind: .ssh, address: spec.host, user: spec.user, port: spec.port)
    }
  }

  /// The ssh target this names: the host itself, or the host a simulated one is reached
  /// through (`sim+ALIAS`); nil for `local` and a simulated host on this machine.
  public var sshHost: String? {
    switch kind {
    case .local: return nil
    case .simulated(_, let via): return via
    case .ssh: return name
    }
  }

  /// Connects (host key check and authentication included for ssh). `scenario` is the
  /// simulated host's `sim_scenario`, ignored for real targets; `labrun` is the labrun
  /// executable the simulated host's tools link to (by default the running program, which
  /// is labrun when the CLI calls this).
  public func open(
    options: ConnectionOptions, scenario: String? = nil, labrun: URL? = Bundle.main.executableURL
  ) async throws -> any Transport {
    switch kind {
    case .local:
      return LocalTransport()
    case .ssh:
      return try await SSHTransportFactory.open(host: name, options: options)
    case .simulated(let profile, let via):
      return try await openSimulated(
        profile: profile, via: via, options: options, scenario: scenario, labrun: labrun)
    }
  }

  /// The simulated GPU host, through this machine or (`sim+HOST`) through an sshd.
  private func openSimulated(
    profile: SimProfile, via: String?, options: ConnectionOptions, scenario scenarioName: String?,
    labrun: URL?
  ) async throws -> any Transport {
    let (scenario, tool) = try Self.simulator(scenario: scenarioName, labrun: labrun)
    let directory = simulatorDirectory(profile: profile, state: options.state).path
    // Every simulated machine of this state directory is on one network: a cluster's nodes
    // reach each other there by address.
    let network = SimNetwork(
      directory: options.state.root.appendingPathComponent("sim/network", isDirectory: true)
        .standardizedFileURL.path)
    let host = SimulatedHost(
      directory: directory, profile: profile, scenario: scenario, tool: tool, hostname: machine,
      network: network)
    let inner: any Transport
    if let via {
      inner = try await SSHTransportFactory.open(host: via, options: options)
    } else {
      inner = LocalTransport(name: name)
    }
    return try await SimulatedTransport.open(
      host: host, inner: inner, name: name, environment: options.environment)
  }
}

/// Why `--host` could not be parsed.
public enum TargetError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// `--host ""`.
  case emptyHost
  /// `sim+` with nothing after the `+`.
  case emptyAlias(String)
  /// `sim/NAME` whose NAME cannot name a machine.
  case invalidMachineName(String, host: String)
  /// A fleet names one host twice (`--host` and `--hosts`, or two lines).
  case namedTwice(String)

  public var description: String {
    switch self {
    case .emptyHost:
      return "--host is empty; pass an ssh_config alias, user@host[:port], local, or "
        + "sim[:PROFILE][/NAME][+ALIAS]"
    case .emptyAlias(let host):
      return "--host \(host): nothing after '+'; name the ssh target the simulated host is reached "
        + "through (sim+ALIAS), or drop the '+'"
    case .invalidMachineName(let machine, let host):
      return "--host \(host): '\(machine)' cannot name a simulated machine; use letters, digits, "
        + "'.', '_' and '-' (e.g. sim/gpu-01)"
    case .namedTwice(let host):
      return "\(host) is named twice (--host and --hosts); list each host once"
    }
  }

  public var errorDescription: String? { description }
}

extension TargetError: ExitCodeProviding {
  public var exitCode: Int32 { LabrunExitCode.usage }
}
