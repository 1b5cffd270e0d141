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
