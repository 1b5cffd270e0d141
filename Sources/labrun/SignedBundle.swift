import BundleSigning
import Foundation
import LabPipeline

/// labrun's use of BundleSigning: an OpenSSH signature (PROTOCOL.sshsig, namespace
/// `labrun-bundle`) beside a bundle archive, made with `bundle --sign KEY` and checked with
/// `verify --allowed-signers FILE`, interchangeable with `ssh-keygen -Y sign|verify`. Every
/// call blocks (file hashing, ssh-agent): call it through ``BlockingWork``.
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
