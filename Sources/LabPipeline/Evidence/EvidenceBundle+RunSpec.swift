import Foundation

extension EvidenceBundle {
  /// Loads what `--run ID|DIR|BUNDLE.tar.gz` names: a bundle archive (extracted to a
  /// temporary directory that is removed again), a run directory, a run id, or the current run.
  public static func load(runSpec: String?, stateDirectory: StateDirectory) throws -> EvidenceBundle {
    guard let spec = runSpec, isArchive(spec) else {
      return try load(directory: stateDirectory.resolveRun(runSpec))
    }
    let archive = URL(fileURLWithPath: spec)
    return try BundleArchive.unpacked(archive) { directory in
      try load(directory: try BundleArchive.runDirectory(in: directory, archive: archive))
    }
  }

  /// Whether `--run SPEC` names an archive: a `.tar.gz` name, or an existing file.
  public static func isArchive(_ spec: String) -> Bool {
    var isDirectory: ObjCBool = false
    return BundleArchive.isArchivePath(spec)
      || (FileManager.default.fileExists(atPath: spec, isDirectory: &isDirectory) && !isDirectory.boolValue)
  }
}
