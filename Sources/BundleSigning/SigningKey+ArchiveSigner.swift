import Foundation
import LabPipeline

/// A signing key signs bundle archives for the engine, which writes the signature beside the
/// archive only once both are complete (``LabPipeline/BundleArchive``).
extension SigningKey: ArchiveSigner {
  /// The armored OpenSSH signature (namespace `labrun-bundle`) of the archive at `archive`.
  public func signature(ofArchiveAt archive: URL) throws -> Data {
    Data(
      try SSHSignature.sign(fileAt: archive, namespace: SSHSignature.bundleNamespace, key: self).armored.utf8)
  }
}
