import Foundation

/// Creates, opens and lists fleets under a ``StateDirectory`` (`fleets/<fleet-id>/fleet.json`).
public struct FleetStore: Sendable {
  public let state: StateDirectory

  public init(state: StateDirectory) {
    self.state = state
  }

  public var fleetsDirectory: URL { state.root.appendingPathComponent("fleets", isDirectory: true) }

  public func fleetDirectory(id: String) -> URL {
    fleetsDirectory.appendingPathComponent(id, isDirectory: true)
  }

  /// Starts a fleet: `fleet-<UTC start>` (`fleet-20261207T160000Z`, `-2`, `-3`… when taken).
  public func create(lab: String, hosts: [FleetRecord.Host], now: Date = Date()) throws -> FleetDirectory {
    try FileManager.default.createDirectory(at: fleetsDirectory, withIntermediateDirectories: true)
    let base = "fleet-" + RunStore.runID(startedAt: now, targetName: "")
    var id = base
    var suffix = 2
    while true {
      let directory = fleetDirectory(id: id)
      do {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
      } catch {
        guard FileManager.default.fileExists(atPath: directory.path), suffix < 1000 else {
          throw FleetStoreError.cannotCreate(path: directory.path)
        }
        id = "\(base)-\(suffix)"
        suffix += 1
        continue
      }
      let record = FleetRecord(fleetID: id, lab: lab, startedAt: now, hosts: hosts)
      try AtomicFile.writeJSON(record, to: directory.appendingPathComponent("fleet.json"))
      return FleetDirectory(directory: directory, record: record)
    }
  }

  /// Opens fleet `id`.
  public func open(id: String) throws -> FleetDirectory {
    let directory = fleetDirectory(id: id)
    return FleetDirectory(directory: directory, record: try Self.read(in: directory, id: id))
  }

  /// Every fleet whose fleet.json can be read, oldest first.
  /// The newest fleet of exactly `targets` (finished or not, or only unfinished ones); nil when
  /// none lists exactly these hosts.
  public func newest(of targets: Set<String>, unfinishedOnly: Bool = false) -> FleetRecord? {
    list().filter { $0.targets == targets && (!unfinishedOnly || $0.finishedAt == nil) }
      .max { ($0.startedAt, $0.fleetID) < ($1.startedAt, $1.fleetID) }
  }

  public func list() -> [FleetRecord] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: fleetsDirectory.path)) ?? []
    return names.filter { !$0.hasPrefix(".") }.sorted().compactMap {
      try? Self.read(in: fleetDirectory(id: $0), id: $0)
    }
  }

  static func read(in directory: URL, id: String) throws -> FleetRecord {
    let file = directory.appendingPathComponent("fleet.json")
    guard let data = try? Data(contentsOf: file) else {
      throw FleetStoreError.noSuchFleet(id: id, fleets: directory.deletingLastPathComponent().path)
    }
    do {
      return try JSONDecoder.labrun.decode(FleetRecord.self, from: data)
    } catch {
      throw FleetStoreError.unreadable(path: file.path)
    }
  }
}

/// Why a fleet could not be created, found or read.
public enum FleetStoreError: Error, CustomStringConvertible, LocalizedError, Equatable {
  case cannotCreate(path: String)
  case noSuchFleet(id: String, fleets: String)
  case unreadable(path: String)
  case noSuchHost(fleet: String, host: String)
  /// `exercises` or `down` over hosts that no unfinished fleet lists.
  case noUnfinishedFleet(hosts: Int, phase: String)
  /// `report --hosts FILE` over hosts that no fleet lists.
  case noFleetOfHosts(hosts: Int)

  public var description: String {
    switch self {
    case .cannotCreate(let path):
      return "cannot create fleet directory \(path); check LABRUN_HOME is writable"
    case .noSuchFleet(let id, let fleets):
      return
        "no fleet '\(id)' under \(fleets); a fleet id is the name of a directory there (labrun run says its fleet's id)"
    case .unreadable(let path):
      return "\(path) cannot be read as a labrun fleet; it may have been edited by hand"
    case .noSuchHost(let fleet, let host):
      return "fleet \(fleet) has no host \(host); run the fleet's own hosts file again"
    case .noUnfinishedFleet(let hosts, let phase):
      return "no unfinished fleet of these \(hosts) hosts to run `\(phase)` on; start one with "
        + "`labrun up` (or `labrun run`) and the same --host/--hosts, or see `labrun runs`"
    case .noFleetOfHosts(let hosts):
      return "no fleet of exactly these \(hosts) hosts; `labrun runs` lists the fleets and their ids "
        + "(labrun report --fleet ID), or run them first with `labrun run --hosts FILE`"
    }
  }

  public var errorDescription: String? { description }
}

extension FleetStoreError: ExitCodeProviding {
  public var exitCode: Int32 { LabrunExitCode.runStateFailed }
}
