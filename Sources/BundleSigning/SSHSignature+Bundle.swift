import Foundation
import LabPipeline

/// Signing and verifying evidence bundles: `B.tar.gz` is signed in `B.tar.gz.sig`, in the
/// `labrun-bundle` namespace, so that stock OpenSSH checks it too:
/// `ssh-keygen -Y verify -f allowed_signers -I ID -n labrun-bundle -s B.tar.gz.sig < B.tar.gz`.
extension SSHSignature {
  /// Where a bundle's signature lives: the bundle's path with `.sig` appended.
  public static func signatureFile(forBundle bundle: URL) -> URL {
    BundleArchive.signatureFile(for: bundle)
  }

  /// Signs `bundle` with `key` and writes the armored signature next to it (atomically).
  ///
  /// - Returns: the signature file's URL.
  @discardableResult
  public static func signBundle(at bundle: URL, key: SigningKey) throws -> URL {
    let signature = try sign(fileAt: bundle, namespace: bundleNamespace, key: key)
    let file = signatureFile(forBundle: bundle)
    do {
      try AtomicFile.write(Data(signature.armored.utf8), to: file)
    } catch AtomicFileError.cannotWrite(_, let code) {
      throw BundleSignatureError.fileUnwritable(path: file.path, reason: FileProblem.posixReason(code))
    }
    return file
  }

  /// Verifies `bundle` against its signature (`signature`, or `B.tar.gz.sig` by default) and the
  /// allowed signers, in the `labrun-bundle` namespace.
  public static func verifyBundle(
    at bundle: URL, signature: URL? = nil, allowedSigners: AllowedSigners, principal: String? = nil,
    at date: Date = Date()
  ) throws -> SignatureVerification {
    let parsed = try parse(contentsOf: signature ?? signatureFile(forBundle: bundle))
    return try parsed.verify(
      fileAt: bundle, namespace: bundleNamespace, allowedSigners: allowedSigners, principal: principal,
      at: date)
  }
}
