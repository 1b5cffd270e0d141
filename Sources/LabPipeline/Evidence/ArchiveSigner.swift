import Foundation

/// Signs a bundle archive (BundleSigning's keys do, with an OpenSSH signature); the engine only
/// decides when, so that no archive is put under the requested name before it is signed.
public protocol ArchiveSigner: Sendable {
  /// The signature file's content for the archive at `archive`, a complete file.
  func signature(ofArchiveAt archive: URL) throws -> Data
}
