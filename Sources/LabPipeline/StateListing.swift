import Foundation

/// `labrun runs`: every run in the state directory, oldest first, each with the fleet it
/// belongs to, and every fleet (its id, hosts, status) beside them.
public struct StateListing: Sendable, Encodable {
  /// One fleet as `labrun runs` lists it.
  public struct Fleet: Sendable, Codable, Hashable {
    public var id: String
    public var lab: String
    public var hosts: Int
    /// `finished` (every host's run completed) or `unfinished` (the same command resumes it).
    public var status: String
    /// The fleet's exit status from its hosts' last ones (``FleetExitStatus``); nil while a
    /// host has not ended yet.
    public var exitStatus: Int32?

    public init(id: String, lab: String, hosts: Int, status: String, exitStatus: Int32?) {
      self.id = id
      self.lab = lab
      self.hosts = hosts
      self.status = status
      self.exitStatus = exitStatus
    }

    enum CodingKeys: String, CodingKey {
      case id, lab, hosts, status
      case exitStatus = "exit_status"
    }
  }

  public var runs: [RunSummary]
  public var fleets: [Fleet]

  /// Reads the runs (``RunStore/list()``) and the fleets (``FleetStore/list()``), marking each
  /// run with its fleet.
  public init(store: RunStore) throws {
    let records = FleetStore(state: store.state).list()
    var fleetOfRun: [String: String] = [:]
    for record in records {
      for host in record.hosts { if let runID = host.runID { fleetOfRun[runID] = record.fleetID } }
    }
    runs = try store.list().map { run in
      var run = run
      run.fleet = fleetOfRun[run.id]
      return run
    }
    fleets = records.map { record in
      let statuses = record.hosts.map(\.exitStatus)
      return Fleet(
        id: record.fleetID, lab: record.lab, hosts: record.hosts.count,
        status: record.finishedAt == nil ? "unfinished" : "finished",
        exitStatus: statuses.contains(nil) ? nil : FleetExitStatus.combine(statuses.compactMap { $0 }))
    }
  }

  /// One line per run (`*` marks the current one, `[fleet-…]` a fleet's host), then one per fleet.
  public var text: String {
    var text = ""
    for run in runs {
      let marker = run.isCurrent ? "*" : " "
      text += "\(marker) \(run.id)  \(run.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))"
      text += "  \(run.record?.lab ?? "?") on \(run.record?.target.name ?? "?")"
      if let fleet = run.fleet { text += "  [\(fleet)]" }
      if let problem = run.problem { text += "  (\(problem))" }
      text += "\n"
    }
    guard !fleets.isEmpty else { return text }
    text += "\nfleets:\n"
    for fleet in fleets {
      text += "  \(fleet.id)  \(fleet.status.padding(toLength: 10, withPad: " ", startingAt: 0))"
      text += "  \(fleet.lab), \(fleet.hosts) host\(fleet.hosts == 1 ? "" : "s")"
      text += fleet.exitStatus.map { ", last exit \($0)" } ?? ", a host not ended yet"
      text += "\n"
    }
    return text
  }

  /// Nothing to list.
  public var isEmpty: Bool { runs.isEmpty && fleets.isEmpty }

  /// `--json`: `{"runs": [...], "fleets": [...]}`.
  public func json() throws -> String {
    String(decoding: try JSONEncoder.labrun.encode(self), as: UTF8.self) + "\n"
  }
}
