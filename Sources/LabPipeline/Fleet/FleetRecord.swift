import Foundation

/// fleet.json, schema `labrun.fleet/v1`: which runs belong to one fleet (`fleets/<fleet-id>/`).
///
/// Each host keeps its own run (run directory, ledger, transcript, bundle) under `runs/`; the
/// fleet only lists them, so every single-run command works on a fleet's host as on any run.
public struct FleetRecord: Sendable, Hashable, Codable {
  public static let schemaName = "labrun.fleet/v1"

  /// One host of the fleet: the target as given, its own parameters (from the hosts file),
  /// and its run once one was created.
  public struct Host: Sendable, Hashable, Codable {
    public var target: String
    /// `key=value` as `--param` takes them.
    public var parameters: [String]
    public var runID: String?
    /// The host's exit status when its run last ended; nil while it has not.
    public var exitStatus: Int32?

    public init(target: String, parameters: [String] = [], runID: String? = nil, exitStatus: Int32? = nil) {
      self.target = target
      self.parameters = parameters
      self.runID = runID
      self.exitStatus = exitStatus
    }

    enum CodingKeys: String, CodingKey {
      case target, parameters
      case runID = "run_id"
      case exitStatus = "exit_status"
    }
  }

  public var schema: String
  public var fleetID: String
  public var lab: String
  public var startedAt: Date
  /// Set once every host's run completed (its exercises ran, whatever their verdicts): the
  /// next command starts a new fleet.
  public var finishedAt: Date?
  public var hosts: [Host]

  public init(fleetID: String, lab: String, startedAt: Date, hosts: [Host]) {
    schema = Self.schemaName
    self.fleetID = fleetID
    self.lab = lab
    self.startedAt = Date(timeIntervalSince1970: startedAt.timeIntervalSince1970.rounded(.down))
    self.hosts = hosts
  }

  /// The targets, as a set: two commands name the same fleet when they name the same hosts.
  public var targets: Set<String> { Set(hosts.map(\.target)) }

  enum CodingKeys: String, CodingKey {
    case schema, lab, hosts
    case fleetID = "fleet_id"
    case startedAt = "started_at"
    case finishedAt = "finished_at"
  }
}
