import Foundation

/// One fleet's directory (`fleets/<fleet-id>/`) and its fleet.json, which every host's task
/// updates as its run starts and ends: one actor, so concurrent hosts never lose each
/// other's update; every write is atomic, on a ``SerialDisk`` (off the cooperative pool).
public actor FleetDirectory {
  public nonisolated let directory: URL
  private var record: FleetRecord
  private let disk = SerialDisk(label: "labrun.fleet-directory")

  init(directory: URL, record: FleetRecord) {
    self.directory = directory
    self.record = record
  }

  public nonisolated var fleetFile: URL { directory.appendingPathComponent("fleet.json") }
  public nonisolated var id: String { directory.lastPathComponent }
  public var fleetRecord: FleetRecord { record }

  /// Records the run a host works in (when it is created or resumed).
  public func recordRun(host target: String, runID: String) async throws {
    try await update(target) { $0.runID = runID }
  }

  /// Records how a host's run ended.
  public func recordExit(host target: String, status: Int32) async throws {
    try await update(target) { $0.exitStatus = status }
  }

  /// Marks the fleet finished (every host's run completed) or not.
  public func setFinished(_ date: Date?) async throws {
    record.finishedAt = date.map { Date(timeIntervalSince1970: $0.timeIntervalSince1970.rounded(.down)) }
    try await save()
  }

  private func update(_ target: String, _ change: (inout FleetRecord.Host) -> Void) async throws {
    guard let index = record.hosts.firstIndex(where: { $0.target == target }) else {
      throw FleetStoreError.noSuchHost(fleet: record.fleetID, host: target)
    }
    change(&record.hosts[index])
    try await save()
  }

  func save() async throws {
    let (record, file) = (record, fleetFile)
    try await disk.run { try AtomicFile.writeJSON(record, to: file) }
  }
}
