import BundleSigning
import Foundation
import LabPipeline

/// labrun's check of an OpenSSH signature (PROTOCOL.sshsig, namespace `labrun-bundle`) beside
/// a bundle archive, `verify --allowed-signers FILE`, interchangeable with `ssh-keygen -Y
/// verify` (`bundle --sign KEY` signs through BundleSigning's `BundleArchive.create`). Every
/// call blocks (file hashing): call it through ``BlockingWork``.
enum SignedBundle {
  /// Checks `archive`'s signature (`signature`, default `<archive>.sig`) against the
  /// allowed_signers file; returns who signed it.
  /// - Throws: ``BundleSignatureError`` when the signature is missing, invalid, or by a key (or
  ///   for a principal) the file does not list.
  static func verify(_ archive: URL, signature: URL?, allowedSigners: String, principal: String?) throws
    -> BundleSigner
  {
    let signers = try AllowedSigners(contentsOf: URL(fileURLWithPath: allowedSigners))
    let signatureFile = signature ?? SSHSignature.signatureFile(forBundle: archive)
    let verification = try SSHSignature.verifyBundle(
      at: archive, signature: signatureFile, allowedSigners: signers, principal: principal)
    return BundleSigner(
      fingerprint: verification.fingerprint, keyType: verification.keyType,
      principals: verification.principals,
      signatureFile: signatureFile.lastPathComponent)
  }
}
