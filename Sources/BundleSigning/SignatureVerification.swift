/// Who signed: what a successful ``SSHSignature/verify(fileAt:namespace:allowedSigners:principal:at:)``
/// found.
public struct SignatureVerification: Sendable, Hashable {
  /// The principals the allowed_signers line lists the key for (its non-negated patterns, as
  /// `ssh-keygen -Y find-principals` prints them), or the one principal asked for.
  public var principals: [String]
  /// The signing key's `SHA256:` fingerprint.
  public var fingerprint: String
  /// The signing key's type, e.g. `ssh-ed25519`.
  public var keyType: String
  /// The signature algorithm, e.g. `rsa-sha2-512`.
  public var signatureAlgorithm: String
  public var namespace: String
  /// The allowed_signers line that accepted the key.
  public var allowedSignersLine: Int

  public init(
    principals: [String], fingerprint: String, keyType: String, signatureAlgorithm: String, namespace: String,
    allowedSignersLine: Int
  ) {
    self.principals = principals
    self.fingerprint = fingerprint
    self.keyType = keyType
    self.signatureAlgorithm = signatureAlgorithm
    self.namespace = namespace
    self.allowedSignersLine = allowedSignersLine
  }
}
