import Foundation
import LabPipeline

/// Working copies of fixture bundles for tests that change them (checksums added or removed,
/// a byte flipped). The committed fixtures stay untouched.
public struct EvidenceFixture: Sendable {
  /// What to do with `artifacts/SHA256SUMS` in the copy.
  public enum Checksums: Sendable {
    /// Keep whatever the fixture has.
    case keep
    /// Write SHA256SUMS for the copy's artifacts, as `sha256sum` would.
    case compute
    /// Delete SHA256SUMS.
    case remove
  }

  /// The copy's run directory.
  public let directory: URL
  /// The temporary directory holding it; remove it with ``remove()``.
  public let scratch: URL

  /// Copies the run directory `source` to a new temporary directory.
  public init(copying source: URL, checksums: Checksums) throws {
    let scratch = try TemporaryDirectory(prefix: "labrun-fixture").url
    let directory = scratch.appendingPathComponent(source.lastPathComponent, isDirectory: true)
    try FileManager.default.copyItem(at: source, to: directory)
    self.scratch = scratch
    self.directory = directory
    let sums = artifactsDirectory.appendingPathComponent(ChecksumList.fileName)
    switch checksums {
    case .keep: break
    case .remove: try? FileManager.default.removeItem(at: sums)
    case .compute: try Self.writeChecksums(in: artifactsDirectory)
    }
  }

  public var artifactsDirectory: URL { directory.appendingPathComponent("artifacts", isDirectory: true) }

  /// Artifact file names in the copy (SHA256SUMS excluded), sorted.
  public func artifactNames() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: artifactsDirectory.path)
      .filter { $0 != ChecksumList.fileName && !$0.hasPrefix(".") }.sorted()
  }

  /// Flips one bit of one byte of `name` (the middle byte unless `offset` is given).
  public func flipByte(in name: String, at offset: Int? = nil) throws {
    let url = artifactsDirectory.appendingPathComponent(name)
    var data = try Data(contentsOf: url)
    let index = offset ?? data.count / 2
    data[index] ^= 0x01
    try data.write(to: url)
  }

  public func remove() {
    try? FileManager.default.removeItem(at: scratch)
  }

  /// Writes `SHA256SUMS` for every file in `directory` and, when the directory above holds
  /// run.json, for it too (as `../run.json`), as labrun writes it.
  public static func writeChecksums(in directory: URL) throws {
    let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
      .filter { $0 != ChecksumList.fileName && !$0.hasPrefix(".") }
    let artifacts = try names.map {
      Artifact(name: $0, data: try Data(contentsOf: directory.appendingPathComponent($0)))
    }
    let runRecord = FileManager.default.contents(
      atPath: directory.deletingLastPathComponent().appendingPathComponent("run.json").path)
    try Data(ChecksumList(artifacts: artifacts, runRecord: runRecord).text.utf8)
      .write(to: directory.appendingPathComponent(ChecksumList.fileName))
  }

  /// Replaces run.json with `transform` of its text (the checksums are left as they are).
  public func editRunRecord(_ transform: (String) -> String) throws {
    let file = directory.appendingPathComponent("run.json")
    try Data(transform(try String(contentsOf: file, encoding: .utf8)).utf8).write(to: file)
  }
}
