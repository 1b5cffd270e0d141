import Foundation

/// A run's evidence: run.json plus the artifact files, checked against SHA256SUMS on load.
///
/// Everything the verifier and the page use comes from here, so the page is a pure function
/// of the bundle (and the labrun binary). The bundle's location is deliberately not part of
/// anything rendered: a run directory and its extracted tar.gz render the same bytes.
public struct EvidenceBundle: Sendable {
  /// How far the files can be trusted to be what was captured.
  public enum Integrity: Sendable, Hashable {
    /// Every artifact is listed in SHA256SUMS and matches it.
    case verified(fileCount: Int)
    /// The bundle has no SHA256SUMS: nothing proves the files are unchanged.
    case checksumsMissing
    /// Hand-captured evidence, imported: no checksums were recorded at capture time.
    case notRecorded
  }

  /// What proves run.json (target, parameters) is the one written during the run.
  public enum RunRecordIntegrity: Sendable, Hashable {
    /// artifacts/SHA256SUMS lists `../run.json` and it matches.
    case checksummed
    /// A verified signature covers the bundle archive that holds run.json.
    case signed(BundleSigner)
    /// Nothing does: run.json could have been edited (e.g. `target.kind`) without a trace.
    case uncovered
  }

  /// Where the evidence came from.
  public enum Provenance: Sendable, Hashable {
    /// Written by labrun during the run (run.json present).
    case recorded
    /// Captured by hand or by older scripts and imported with `labrun report --import`.
    case imported(ImportedProvenance)
  }

  /// The facts a person gave for imported evidence, which labrun cannot check.
  public struct ImportedProvenance: Sendable, Hashable {
    public var host: String
    public var date: String
    public var provider: String?

    public init(host: String, date: String, provider: String?) {
      self.host = host
      self.date = date
      self.provider = provider
    }
  }

  /// run.json; for imported evidence, a record built from `--host`/`--date`/`--provider`.
  public let run: RecordedRun
  /// Artifacts by file name (a cluster node's view, ``node(_:)``, files a node's artifact under
  /// its one-host name).
  public internal(set) var artifacts: [String: Artifact]
  public let integrity: Integrity
  public let provenance: Provenance
  public private(set) var runRecordIntegrity: RunRecordIntegrity

  public init(
    run: RecordedRun, artifacts: [Artifact], integrity: Integrity, provenance: Provenance,
    runRecordIntegrity: RunRecordIntegrity = .uncovered
  ) {
    self.run = run
    self.artifacts = Dictionary(artifacts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    self.integrity = integrity
    self.provenance = provenance
    self.runRecordIntegrity = runRecordIntegrity
  }

  /// This bundle, known to be the archive `signer` signed (its signature was verified).
  public func signed(by signer: BundleSigner) -> EvidenceBundle {
    var copy = self
    copy.runRecordIntegrity = .signed(signer)
    return copy
  }

  /// The signer, when a verified signature covers the bundle.
  public var signer: BundleSigner? {
    if case .signed(let signer) = runRecordIntegrity { return signer }
    return nil
  }

  /// The artifact called `name`, if the bundle has it.
  public func artifact(_ name: String) -> Artifact? { artifacts[name] }

  /// Artifact names, sorted.
  public var artifactNames: [String] { artifacts.keys.sorted() }

  /// Whether any artifact carries the simulated marker.
  public var hasSimulatedArtifacts: Bool { artifacts.values.contains(where: \.isSimulated) }

  /// The provider label for the page: the imported `--provider`, or run.json's `provider`
  /// parameter (every lab may set one).
  public var provider: String? {
    if case .imported(let imported) = provenance {
      return imported.provider.flatMap { $0.isEmpty ? nil : $0 }
    }
    return run.parameters["provider"]?.text
  }

  /// The run's date (`YYYY-MM-DD`): run.json's `started_at`, or the imported `--date`.
  public var date: String? {
    if case .imported(let imported) = provenance { return imported.date }
    return run.date
  }

  // MARK: Loading

  /// Loads a run directory (`run.json`, `artifacts/`), verifying `artifacts/SHA256SUMS`.
  ///
  /// - Throws: ``EvidenceBundleError`` when run.json is missing or unreadable, or when any
  ///   file does not match SHA256SUMS (the error names it). A missing SHA256SUMS is not an
  ///   error: the bundle loads with ``Integrity/checksumsMissing`` and can be INCOMPLETE at best.
  public static func load(directory: URL) throws -> EvidenceBundle {
    let fileManager = FileManager.default
    var isDirectory: ObjCBool = false
    guard fileManager.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
    else {
      throw EvidenceBundleError.notADirectory(path: directory.path)
    }
    let runJSON = directory.appendingPathComponent("run.json")
    guard let runData = fileManager.contents(atPath: runJSON.path) else {
      throw EvidenceBundleError.runRecordMissing(directory: directory.path)
    }
    let run = try RecordedRun(json: runData, path: runJSON.path)
    let artifactsDirectory = directory.appendingPathComponent("artifacts", isDirectory: true)
    guard fileManager.fileExists(atPath: artifactsDirectory.path, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw EvidenceBundleError.artifactsMissing(directory: directory.path)
    }
    let (artifacts, integrity, runRecordCovered) = try loadArtifacts(
      in: artifactsDirectory, runRecord: runData)
    return EvidenceBundle(
      run: run, artifacts: artifacts, integrity: integrity, provenance: .recorded,
      runRecordIntegrity: runRecordCovered ? .checksummed : .uncovered)
  }

  /// Loads hand-captured evidence: `DIR/*.txt` (or `DIR/artifacts/*.txt`) with `$ command`
  /// headers and no run.json. SHA256SUMS, if present, is still checked.
  public static func importHandCaptured(directory: URL, provenance: ImportedProvenance) throws
    -> EvidenceBundle
  {
    let fileManager = FileManager.default
    var isDirectory: ObjCBool = false
    guard fileManager.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue
    else {
      throw EvidenceBundleError.notADirectory(path: directory.path)
    }
    let nested = directory.appendingPathComponent("artifacts", isDirectory: true)
    let source =
      fileManager.fileExists(atPath: nested.path, isDirectory: &isDirectory) && isDirectory.boolValue
      ? nested : directory
    let (artifacts, integrity, _) = try loadArtifacts(in: source, runRecord: nil)
    guard !artifacts.isEmpty else { throw EvidenceBundleError.noArtifacts(directory: source.path) }
    let run = RecordedRun(target: nil, targetKindText: nil)
    let imported: Integrity = integrity == .checksumsMissing ? .notRecorded : integrity
    return EvidenceBundle(
      run: run, artifacts: artifacts, integrity: imported, provenance: .imported(provenance))
  }

  /// The artifacts of `directory`, checked against its SHA256SUMS, and whether that list
  /// covered run.json (`runRecord`'s bytes; nil for imported evidence, which has none).
  private static func loadArtifacts(in directory: URL, runRecord: Data?) throws -> (
    [Artifact], Integrity, Bool
  ) {
    let fileManager = FileManager.default
    let names: [String]
    do {
      names = try fileManager.contentsOfDirectory(atPath: directory.path).sorted()
    } catch {
      throw EvidenceBundleError.unreadable(
        path: directory.path, reason: FileProblem.reason(error, path: directory.path))
    }
    var artifacts: [Artifact] = []
    for name in names where !name.hasPrefix(".") && name != ChecksumList.fileName {
      let url = directory.appendingPathComponent(name)
      var isDirectory: ObjCBool = false
      guard fileManager.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
        continue
      }
      let type = (try? fileManager.attributesOfItem(atPath: url.path)[.type]) as? FileAttributeType
      guard type != .typeSymbolicLink else {
        throw EvidenceBundleError.unreadable(
          path: url.path, reason: "a symbolic link, not captured evidence; replace it with the file itself")
      }
      guard let data = fileManager.contents(atPath: url.path) else {
        throw EvidenceBundleError.unreadable(path: url.path, reason: "cannot read the file")
      }
      artifacts.append(Artifact(name: name, data: data))
    }
    let sumsURL = directory.appendingPathComponent(ChecksumList.fileName)
    guard let sumsData = fileManager.contents(atPath: sumsURL.path) else {
      return (artifacts, .checksumsMissing, false)
    }
    let list = try ChecksumList(text: String(decoding: sumsData, as: UTF8.self))
    let byName = Dictionary(artifacts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    var runRecordCovered = false
    for entry in list.entries where entry.name == ChecksumList.runRecordName {
      guard let runRecord else { continue }
      let actual = Artifact.hexDigest(of: runRecord)
      guard actual == entry.digest else {
        throw EvidenceBundleError.checksumMismatch(file: "run.json", expected: entry.digest, actual: actual)
      }
      runRecordCovered = true
    }
    for entry in list.entries where entry.name != ChecksumList.runRecordName {
      guard let artifact = byName[entry.name] else {
        throw EvidenceBundleError.listedFileMissing(file: entry.name)
      }
      guard artifact.sha256 == entry.digest else {
        throw EvidenceBundleError.checksumMismatch(
          file: entry.name, expected: entry.digest, actual: artifact.sha256)
      }
    }
    let listed = Set(list.entries.map(\.name))
    if let unlisted = artifacts.first(where: { !listed.contains($0.name) }) {
      throw EvidenceBundleError.unlistedArtifact(file: unlisted.name)
    }
    return (artifacts, .verified(fileCount: artifacts.count), runRecordCovered)
  }
}
