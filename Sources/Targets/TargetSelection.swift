import Foundation
import LabPipeline

/// The hosts a command names, `--host` (repeated) and `--hosts FILE`: one host, or a fleet
/// whose every target and host parameter is parsed before anything starts. The one place the
/// command line's targets are turned into the engine's, for every command that takes them.
public struct TargetSelection: Sendable, Hashable {
  /// `--host`, as many times as given.
  public var hosts: [String]
  /// `--hosts FILE`.
  public var hostsFile: String?

  public init(hosts: [String], hostsFile: String? = nil) {
    self.hosts = hosts
    self.hostsFile = hostsFile
  }

  /// Several hosts (`--host` repeated, or any `--hosts FILE`): a fleet.
  public var isFleet: Bool { hosts.count > 1 || hostsFile != nil }

  /// The fleet's hosts, in order (`--host`s, then the file's lines), nil for one host.
  /// - Throws: ``TargetError`` for a malformed `--host` or a host named twice,
  ///   ``HostsFileError`` for a malformed line (both exit 64).
  public func fleet() throws -> [FleetLifecycle.Host]? {
    guard isFleet else { return nil }
    var hosts = try self.hosts.map { FleetLifecycle.Host(target: try TargetSpec(parsing: $0)) }
    if let hostsFile {
      hosts += try HostsFile(contentsOf: URL(fileURLWithPath: hostsFile)).entries.map {
        FleetLifecycle.Host(target: $0.target, parameters: $0.parameterArguments)
      }
    }
    var seen = Set<String>()
    for host in hosts where !seen.insert(host.target).inserted {
      throw TargetError.namedTwice(host.target)
    }
    return hosts
  }
}

extension TargetSelection {
  /// Every host named: the fleet's, or the one `--host` (nil when none was given).
  public func targets() throws -> [FleetLifecycle.Host]? {
    if let fleet = try fleet() { return fleet }
    return try hosts.first.map { [FleetLifecycle.Host(target: try TargetSpec(parsing: $0))] }
  }
}

extension FleetLifecycle.Host {
  /// A fleet's host from its parsed target and its own `key=value` parameters.
  public init(target spec: TargetSpec, parameters: [String] = []) {
    var simulated = false
    if case .simulated = spec.kind { simulated = true }
    self.init(target: spec.name, parameters: parameters, simulated: simulated)
  }
}
