import Foundation

/// run.json, schema `labrun.run/v1` (the README's "Evidence bundle contract").
///
/// Extra fields are allowed by the contract; labrun adds `lab_file`.
public struct RunRecord: Sendable, Hashable, Codable {
  public static let schemaName = "labrun.run/v1"

  public var schema: String
  public var runID: String
  public var lab: String
  /// Where the lab definition was read from, for the record.
  public var labFile: String?
  public var target: TargetInfo
  public var startedAt: Date
  public var finishedAt: Date?
  public var labrunVersion: String
  /// The lab's parameters as used, plus every value a step computed (e.g. a size derived from the card).
  public var parameters: [String: RecordedValue]
  /// How the target was reached (`-F`, `--identity`), reused by later commands on this run.
  public var connection: ConnectionRecord?

  public init(
    runID: String, lab: String, labFile: String? = nil, target: TargetInfo, startedAt: Date,
    finishedAt: Date? = nil, labrunVersion: String = LabrunVersion.current,
    parameters: [String: RecordedValue]
  ) {
    self.schema = Self.schemaName
    self.runID = runID
    self.lab = lab
    self.labFile = labFile
    self.target = target
    self.startedAt = startedAt
    self.finishedAt = finishedAt
    self.labrunVersion = labrunVersion
    self.parameters = parameters
  }

  enum CodingKeys: String, CodingKey {
    case schema, lab, target, parameters, connection
    case runID = "run_id"
    case labFile = "lab_file"
    case startedAt = "started_at"
    case finishedAt = "finished_at"
    case labrunVersion = "labrun_version"
  }
}

/// run.json's `connection`: the connection options a run was started with (absolute paths), so
/// that `labrun exercises` and `labrun down` reach the target the way `labrun up` did.
public struct ConnectionRecord: Sendable, Hashable, Codable {
  /// `-F FILE`: the ssh_config read instead of `~/.ssh/config`.
  public var sshConfig: String?
  /// `--identity KEY`: the private key tried first.
  public var identity: String?
  /// `--kubeconfig FILE`: an existing cluster's kubeconfig (its path only; the file stays the user's).
  public var kubeconfig: String?
  /// `--context NAME`: the kubeconfig's context (nil: its current-context).
  public var context: String?

  public init(
    sshConfig: String? = nil, identity: String? = nil, kubeconfig: String? = nil, context: String? = nil
  ) {
    self.sshConfig = sshConfig
    self.identity = identity
    self.kubeconfig = kubeconfig
    self.context = context
  }

  /// Nothing to record.
  public var isEmpty: Bool { sshConfig == nil && identity == nil && kubeconfig == nil && context == nil }

  enum CodingKeys: String, CodingKey {
    case identity, kubeconfig, context
    case sshConfig = "ssh_config"
  }
}
