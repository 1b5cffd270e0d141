import Foundation

/// A run directory packed as a `.tar.gz` that `labrun report --run FILE.tar.gz` reads back.
///
/// Uses the system's GNU tar with deterministic options (sorted names, owner 0, fixed mtime,
/// `gzip -n`), so the same run directory always packs to the same bytes.
public enum BundleArchive {
  /// Whether `path` names an archive rather than a run directory or run id.
  public static func isArchivePath(_ path: String) -> Bool {
    path.hasSuffix(".tar.gz") || path.hasSuffix(".tgz")
  }

  /// Packs `runDirectory` into `output` as `<run-id>/…`, signed by `signer` when given.
  ///
  /// `output` (and its signature) are replaced only once complete: the archive and the
  /// signature are written under temporary names beside them and renamed into place after the
  /// signature was made, so a failure (tar, signing, a full disk) leaves the previous files as
  /// they were and never an unsigned archive under the requested name. An unsigned archive
  /// written over a signed one removes the old signature, which no longer matches.
  ///
  /// Hidden files are left out: `.lock` holds the pid of the last labrun that opened the run
  /// (so two packings around any other labrun command would differ), and temporary files of an
  /// interrupted write are no evidence. The verifier reads no hidden file either.
  /// - Throws: ``OutputFileError`` when `output` cannot be written, ``EvidenceBundleError`` when
  ///   tar fails, and whatever `signer` throws.
  @discardableResult
  public static func create(runDirectory: URL, output: URL, signer: (any ArchiveSigner)? = nil) throws
    -> BundleOutput
  {
    let tar = try tarExecutable()
    let archive = try StagedFile(for: output)
    let signature = try signer.map { _ in try StagedFile(for: signatureFile(for: archive.destination)) }
    defer {
      archive.discard()
      signature?.discard()
    }
    try run(
      tar,
      arguments: [
        "--exclude=.*", "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "--mtime=@0",
        "--format=gnu",
        "--mode=u+rw,go+r,go-w", "--use-compress-program=gzip -n", "-cf", archive.temporary.path,
        "-C", runDirectory.deletingLastPathComponent().path, runDirectory.lastPathComponent,
      ], describing: output.path)
    if let signer, let signature {
      try signature.write(try signer.signature(ofArchiveAt: archive.temporary))
    }
    try archive.commit()
    var written = BundleOutput(archive: archive.destination)
    if let signature {
      try signature.commit()
      written.signature = signature.destination
    } else if FileManager.default.fileExists(atPath: signatureFile(for: archive.destination).path) {
      let stale = signatureFile(for: archive.destination)
      try? FileManager.default.removeItem(at: stale)
      written.removedSignature = stale
    }
    return written
  }

  /// Where an archive's signature goes: `<archive>.sig` beside it, as `ssh-keygen -Y sign` does.
  public static func signatureFile(for archive: URL) -> URL {
    archive.deletingLastPathComponent().appendingPathComponent(archive.lastPathComponent + ".sig")
  }

  /// Extracts `archive` into `directory` and returns the run directory inside it (the one
  /// holding run.json).
  public static func extract(archive: URL, into directory: URL) throws -> URL {
    try unpack(archive: archive, into: directory)
    return try runDirectory(in: directory, archive: archive)
  }

  /// Unpacks `archive` into a temporary directory, gives it to `body`, and removes it again.
  public static func unpacked<T>(_ archive: URL, _ body: (URL) throws -> T) throws -> T {
    let temporary = FileManager.default.temporaryDirectory
      .appendingPathComponent("labrun-bundle-\(UUID().uuidString)", isDirectory: true)
    do {
      try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
    } catch {
      throw EvidenceBundleError.archiveFailed(
        path: archive.path,
        detail: "cannot create a temporary directory: \(FileProblem.reason(error, path: temporary.path))")
    }
    defer { try? FileManager.default.removeItem(at: temporary) }
    try unpack(archive: archive, into: temporary)
    return try body(temporary)
  }

  /// Unpacks `archive` (GNU tar) into `directory`.
  public static func unpack(archive: URL, into directory: URL) throws {
    guard FileManager.default.fileExists(atPath: archive.path) else {
      throw EvidenceBundleError.archiveFailed(path: archive.path, detail: "no such file")
    }
    let tar = try tarExecutable()
    try run(
      tar,
      arguments: ["--no-same-owner", "--no-same-permissions", "-xzf", archive.path, "-C", directory.path],
      describing: archive.path)
  }

  /// The run directory (the one holding run.json) in `directory`, where `archive` was unpacked.
  public static func runDirectory(in directory: URL, archive: URL) throws -> URL {
    if FileManager.default.fileExists(atPath: directory.appendingPathComponent("run.json").path) {
      return directory
    }
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    let candidates = entries.sorted().map { directory.appendingPathComponent($0, isDirectory: true) }
      .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("run.json").path) }
    if candidates.isEmpty, let fleet = FleetBundle.fleetDirectory(in: directory) {
      let hosts = (try? FleetBundle.record(in: fleet))?.hosts.count ?? 0
      throw EvidenceBundleError.fleetArchive(
        path: archive.path, fleetID: fleet.lastPathComponent, hosts: hosts)
    }
    guard candidates.count == 1, let runDirectory = candidates.first else {
      throw EvidenceBundleError.archiveFailed(
        path: archive.path,
        detail: "expected one run directory with run.json inside, found \(candidates.count); "
          + "create bundles with `labrun bundle`")
    }
    return runDirectory
  }

  private static func tarExecutable() throws -> URL {
    // GNU tar: gtar first (macOS with Homebrew), then the system tar (GNU on Linux).
    for path in ["/opt/homebrew/bin/gtar", "/usr/local/bin/gtar", "/usr/bin/tar", "/bin/tar"]
    where FileManager.default.isExecutableFile(atPath: path) {
      return URL(fileURLWithPath: path)
    }
    throw EvidenceBundleError.archiveFailed(
      path: "tar", detail: "GNU tar not found (gtar, /usr/bin/tar, /bin/tar); install GNU tar")
  }

  private static func run(_ executable: URL, arguments: [String], describing path: String) throws {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["GZIP"] = nil
    environment["TAR_OPTIONS"] = nil
    environment["LC_ALL"] = "C"
    process.environment = environment
    let errors = Pipe()
    process.standardError = errors
    process.standardOutput = FileHandle.nullDevice
    do {
      try process.run()
    } catch {
      throw EvidenceBundleError.archiveFailed(
        path: path,
        detail: "cannot start tar at \(executable.path) (\(FileProblem.reason(error, path: executable.path)))"
      )
    }
    let message = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      let text = String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
      throw EvidenceBundleError.archiveFailed(
        path: path, detail: "tar exited with status \(process.terminationStatus): \(text)")
    }
  }
}
