import Foundation

/// A cluster run's evidence, one node at a time. Exercises judged per node file their
/// artifacts as `NAME@NODE.txt` (`1-co-residency@gpu-2.txt`) and record their values as
/// `name@NODE` in run.json (`slice_mib@gpu-2`), NODE being the node's name in the cluster; a
/// node's view reads them under their one-host names, so a lab's one-host checks judge each node
/// unchanged.
extension EvidenceBundle {
  /// The name a one-host artifact `file` has for cluster node `node`:
  /// `1-co-residency.txt` → `1-co-residency@gpu-2.txt`.
  public static func fileName(_ file: String, node: String) -> String {
    guard let dot = file.lastIndex(of: "."), dot != file.startIndex else { return file + "@" + node }
    return file[..<dot] + "@" + node + file[dot...]
  }

  /// The bundle as node `node`'s exercises see it: each `NAME@node.txt` under its one-host name
  /// `NAME.txt` (the artifact itself keeps its real name, so citations name the real file), every
  /// artifact of the run as a whole (no `@`) as it is, and run.json's parameters with each
  /// `name@node` read as `name`. Other nodes' files and values are left out, and so is the run's
  /// own copy of any of `nodeFiles` (the one-host names the lab captures per node): a node without
  /// its own never borrows the server's.
  public func node(_ node: String, nodeFiles: Set<String>) -> EvidenceBundle {
    var byName: [String: Artifact] = [:]
    for artifact in artifacts.values where !artifact.name.contains("@") && !nodeFiles.contains(artifact.name)
    {
      byName[artifact.name] = artifact
    }
    let suffix = "@" + node
    for artifact in artifacts.values {
      guard let dot = artifact.name.lastIndex(of: "."), artifact.name[..<dot].hasSuffix(suffix) else {
        continue
      }
      let base = String(artifact.name[..<dot].dropLast(suffix.count)) + artifact.name[dot...]
      byName[base] = artifact
    }
    var run = self.run
    for (name, value) in run.parameters.values where name.contains("@") {
      run.parameters.values[name] = nil
      if name.hasSuffix(suffix) { run.parameters.values[String(name.dropLast(suffix.count))] = value }
    }
    var view = EvidenceBundle(
      run: run, artifacts: [], integrity: integrity, provenance: provenance,
      runRecordIntegrity: runRecordIntegrity)
    view.artifacts = byName
    return view
  }
}
