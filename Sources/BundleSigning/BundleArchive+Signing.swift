import Foundation
import LabPipeline

extension BundleArchive {
  /// `labrun bundle [--sign KEY]`: packs `runDirectory` into `output`, signed with the key
  /// `keyPath` names (a private key file, or a key held by ssh-agent) when given. The key is
  /// loaded before anything is written, so a key that cannot sign changes no file.
  /// - Throws: ``BundleSignatureError`` when the key cannot sign (what to do is in the message),
  ///   else what ``create(runDirectory:output:signer:)`` throws.
  @discardableResult
  public static func create(
    runDirectory: URL, output: URL, signingKey keyPath: String?, environment: [String: String]
  ) throws -> BundleOutput {
    let key = try keyPath.map { try SigningKey.load(path: $0, environment: environment) }
    return try create(runDirectory: runDirectory, output: output, signer: key)
  }
}

extension BundleArchive {
  /// `labrun bundle`: packs `--fleet ID` (``FleetBundle``) or `--run ID|DIR` (nil: the current
  /// run) into `output` (default `<id>.tar.gz` in the working directory), signed with
  /// `signingKey` when given. A run's evidence is checked against SHA256SUMS first.
  public static func pack(
    fleet: String?, run: String?, output: String?, signingKey: String?, environment: [String: String],
    state: StateDirectory = StateDirectory()
  ) throws -> BundleOutput {
    if let fleet {
      return try FleetBundle.create(
        fleet: fleet, state: state, output: URL(fileURLWithPath: output ?? "\(fleet).tar.gz"),
        signingKey: signingKey, environment: environment)
    }
    let runDirectory = try state.resolveRun(run)
    _ = try EvidenceBundle.load(directory: runDirectory)
    return try create(
      runDirectory: runDirectory,
      output: URL(fileURLWithPath: output ?? "\(runDirectory.lastPathComponent).tar.gz"),
      signingKey: signingKey, environment: environment)
  }
}
