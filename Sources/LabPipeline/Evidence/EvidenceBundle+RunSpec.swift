import Foundation

extension EvidenceBundle {
  /// Loads what `--run ID|DIR|BUNDLE.tar.gz` names: a bundle archive (extracted to a
  /// temporary directory that is removed again), a run directory, a run id, or the current run.
  public static func load(runSpec: String?, stateDirectory: StateDirectory) throws -> EvidenceBundle {
    var isDirectory: ObjCBool = false
    if let spec = runSpec,
      BundleArchive.isArchivePath(spec)
        || (FileManager.default.fileExists(atPath: spec, isDirectory: &isDirectory) && !isDirectory.boolValue)
    {
      let temporary = FileManager.default.temporaryDirectory
        .appendingPathComponent("labrun-bundle-\(UUID().uuidString)", isDirectory: true)
      do {
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
      } catch {
        throw EvidenceBundleError.archiveFailed(
          path: spec, detail: "cannot create a temporary directory: \(error)")
      }
      defer { try? FileManager.default.removeItem(at: temporary) }
      let runDirectory = try BundleArchive.extract(archive: URL(fileURLWithPath: spec), into: temporary)
      return try load(directory: runDirectory)
    }
    return try load(directory: stateDirectory.resolveRun(runSpec))
  }
}
