import Foundation

/// A lab compiled into labrun: the text of each file of its directory (lab.yaml, manifests,
/// probes, README) by its path inside that directory (`lab.yaml`, `manifests/gpu-pod.yaml`).
public struct EmbeddedLab: Sendable, Hashable {
  /// The lab's directory name under labs/, which is also its lab.yaml's `name`.
  public let name: String
  public let files: [String: String]

  public init(name: String, files: [String: String]) {
    self.name = name
    self.files = files
  }

  /// Writes every file under `directory` (created when missing), so the lab can be edited and
  /// run with `--lab DIRECTORY`. Refuses before writing anything if one of the files already
  /// exists there: an export never overwrites someone's edits.
  /// - Returns: the files written, in path order.
  /// - Throws: ``LabExportError``.
  @discardableResult
  public func export(to directory: URL) throws -> [URL] {
    let targets = files.keys.sorted().map { (path: $0, url: directory.appendingPathComponent($0)) }
    let existing = targets.filter { FileManager.default.fileExists(atPath: $0.url.path) }.map(\.url.path)
    guard existing.isEmpty else { throw LabExportError.wouldOverwrite(lab: name, paths: existing) }
    for (index, target) in targets.enumerated() {
      do {
        try AtomicFile.write(Data((files[target.path] ?? "").utf8), to: target.url)
      } catch {
        // Half a lab is no lab, and its files would make a retry refuse: take back what was written.
        for written in targets[..<index] { try? FileManager.default.removeItem(at: written.url) }
        throw LabExportError.cannotWrite(path: target.url.path, detail: String(describing: error))
      }
    }
    return targets.map(\.url)
  }
}
