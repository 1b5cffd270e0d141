import Foundation

/// Why an evidence bundle could not be read or trusted.
public enum EvidenceBundleError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// The path given is not a directory.
  case notADirectory(path: String)
  /// A run directory without run.json.
  case runRecordMissing(directory: String)
  /// run.json exists but is not a JSON object.
  case runRecordUnreadable(path: String, reason: String)
  /// A run directory without `artifacts/`.
  case artifactsMissing(directory: String)
  /// An imported directory without any evidence file.
  case noArtifacts(directory: String)
  /// A file could not be read.
  case unreadable(path: String, reason: String)
  /// A line of SHA256SUMS is not `<sha256>  <name>`.
  case checksumsMalformed(line: String)
  /// An artifact's bytes do not match SHA256SUMS: it changed after capture.
  case checksumMismatch(file: String, expected: String, actual: String)
  /// SHA256SUMS lists a file the bundle does not have.
  case listedFileMissing(file: String)
  /// An artifact that SHA256SUMS does not cover.
  case unlistedArtifact(file: String)
  /// The run's lab is not one this labrun can verify.
  case unknownLab(lab: String, known: [String])
  /// A bundle archive could not be created or read.
  case archiveFailed(path: String, detail: String)
  /// One run's evidence was asked of a fleet's bundle (`labrun bundle --fleet`).
  case fleetArchive(path: String, fleetID: String, hosts: Int)

  public var description: String {
    switch self {
    case .notADirectory(let path):
      return "\(path) is not a directory; pass a run directory, a run id or a bundle .tar.gz to --run"
    case .runRecordMissing(let directory):
      return
        "\(directory) has no run.json, so it is not a labrun run directory; for evidence captured by hand "
        + "use `labrun report --import DIR --host NAME --date YYYY-MM-DD`"
    case .runRecordUnreadable(let path, let reason):
      return "cannot read \(path): \(reason); the run record is required to verify a bundle"
    case .artifactsMissing(let directory):
      return "\(directory) has no artifacts/ directory; run `labrun exercises` to collect the evidence"
    case .noArtifacts(let directory):
      return "\(directory) holds no evidence files; expected text files of `$ command` sections"
    case .unreadable(let path, let reason):
      return "cannot read \(path): \(reason)"
    case .checksumsMalformed(let line):
      return
        "artifacts/SHA256SUMS has a line that is not `<sha256>  <file>`: \(line); the bundle cannot be verified"
    case .checksumMismatch("run.json", let expected, let actual):
      return
        "run.json does not match SHA256SUMS (recorded \(expected.prefix(12))…, now \(actual.prefix(12))…): "
        + "its target or parameters changed after the run; refusing to report on altered evidence. "
        + "Restore it from the bundle archive or re-run the lab"
    case .checksumMismatch(let file, let expected, let actual):
      return
        "artifact \(file) does not match SHA256SUMS (recorded \(expected.prefix(12))…, now \(actual.prefix(12))…): "
        + "it changed after capture; refusing to report on altered evidence. Re-run `labrun exercises` or restore the file"
    case .listedFileMissing(let file):
      return
        "artifact \(file) is listed in SHA256SUMS but missing from the bundle; restore it or re-run `labrun exercises`"
    case .unlistedArtifact(let file):
      return
        "artifact \(file) is not listed in SHA256SUMS, so nothing proves it was captured during the run; "
        + "remove it or re-run `labrun exercises`"
    case .unknownLab(let lab, let known):
      return
        "run.json names lab '\(lab)', which this labrun cannot verify (known: \(known.joined(separator: ", ")))"
    case .archiveFailed(let path, let detail):
      return "bundle archive \(path): \(detail)"
    case .fleetArchive(let path, let fleetID, let hosts):
      return
        "\(path) is a fleet's bundle (\(fleetID), \(hosts) hosts), and this reads one run's: check it host "
        + "by host with `labrun verify --run \(path)`; its fleet page is \(fleetID)/fleet.md inside it "
        + "(`tar -xzOf \(path) \(fleetID)/fleet.md`), each host's run under \(fleetID)/runs/"
    }
  }

  public var errorDescription: String? { description }
}

extension EvidenceBundleError: ExitCodeProviding {
  /// A bundle that cannot be read, or does not match its checksums, is an unreadable run (4);
  /// a fleet's bundle where one run's is read is the wrong argument (64).
  public var exitCode: Int32 {
    if case .fleetArchive = self { return LabrunExitCode.usage }
    return LabrunExitCode.runStateFailed
  }
}
