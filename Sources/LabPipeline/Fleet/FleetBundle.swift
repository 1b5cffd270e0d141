import Foundation

/// A fleet packed as one `.tar.gz` (`labrun bundle --fleet ID`): `<fleet-id>/fleet.json`,
/// `<fleet-id>/fleet.md` (its links to the hosts' pages made relative to the archive), and
/// every host's run directory under `<fleet-id>/runs/<run-id>/`, exactly as a single bundle
/// holds one. `labrun verify` checks such an archive host by host (``BundleArchive`` packs it:
/// deterministic, atomic, signed as one bundle).
public enum FleetBundle {
  /// Packs fleet `id` into `output`. Every host's evidence is checked against its SHA256SUMS
  /// first: an altered file stops the bundle, as for one run.
  /// - Throws: ``FleetStoreError`` for an unknown fleet, ``EvidenceBundleError`` for altered
  ///   evidence, and what ``BundleArchive/create(runDirectory:output:signer:)`` throws.
  @discardableResult
  public static func create(
    fleet id: String, state: StateDirectory, output: URL, signer: (any ArchiveSigner)? = nil
  )
    throws -> BundleOutput
  {
    let fleets = FleetStore(state: state)
    let source = fleets.fleetDirectory(id: id)
    let record = try FleetStore.read(in: source, id: id)
    let staging = FileManager.default.temporaryDirectory
      .appendingPathComponent("labrun-fleet-\(UUID().uuidString)", isDirectory: true)
    defer { try? FileManager.default.removeItem(at: staging) }
    let staged = staging.appendingPathComponent(record.fleetID, isDirectory: true)
    let runs = staged.appendingPathComponent("runs", isDirectory: true)
    do {
      try FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
      try FileManager.default.copyItem(
        at: source.appendingPathComponent("fleet.json"), to: staged.appendingPathComponent("fleet.json"))
      let page = source.appendingPathComponent("fleet.md")
      if let text = try? String(contentsOf: page, encoding: .utf8) {
        let relinked = text.replacingOccurrences(of: "](../../runs/", with: "](runs/")
        try Data(relinked.utf8).write(to: staged.appendingPathComponent("fleet.md"))
      }
    } catch {
      throw OutputFileError.cannotWrite(
        path: staging.path, reason: FileProblem.reason(error, path: staging.path))
    }
    for runID in record.hosts.compactMap(\.runID) {
      let directory = state.runDirectory(id: runID)
      _ = try EvidenceBundle.load(directory: directory)
      do {
        try FileManager.default.copyItem(
          at: directory, to: runs.appendingPathComponent(runID, isDirectory: true))
      } catch {
        throw OutputFileError.cannotWrite(path: runs.path, reason: FileProblem.reason(error, path: runs.path))
      }
    }
    return try BundleArchive.create(runDirectory: staged, output: output, signer: signer)
  }

  /// The fleet directory (the one holding fleet.json) at the top of an unpacked archive; nil
  /// for a single run's bundle.
  public static func fleetDirectory(in unpacked: URL) -> URL? {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: unpacked.path)) ?? []
    let fleets = entries.sorted().map { unpacked.appendingPathComponent($0, isDirectory: true) }
      .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("fleet.json").path) }
    return fleets.count == 1 ? fleets.first : nil
  }

  /// The record of an unpacked fleet bundle.
  public static func record(in fleetDirectory: URL) throws -> FleetRecord {
    try FleetStore.read(in: fleetDirectory, id: fleetDirectory.lastPathComponent)
  }
}
