import Foundation

/// What ``BundleArchive/create(runDirectory:output:signer:)`` wrote.
public struct BundleOutput: Sendable, Equatable {
  /// The archive, now complete.
  public var archive: URL
  /// Its signature, when one was asked for.
  public var signature: URL?
  /// A signature of an earlier archive under the same name, removed because it no longer matches.
  public var removedSignature: URL?

  public init(archive: URL, signature: URL? = nil, removedSignature: URL? = nil) {
    self.archive = archive
    self.signature = signature
    self.removedSignature = removedSignature
  }
}
