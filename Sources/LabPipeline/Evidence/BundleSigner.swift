/// Who signed a bundle archive, as a verified signature over it says: labrun's `verify
/// --allowed-signers` fills it in after checking the signature against the allowed signers.
public struct BundleSigner: Sendable, Hashable, Codable {
  /// The key's `SHA256:` fingerprint.
  public var fingerprint: String
  /// The key's type, e.g. `ssh-ed25519`.
  public var keyType: String
  /// The principals the allowed_signers file lists for the key.
  public var principals: [String]
  /// The signature file that was checked (`B.tar.gz.sig`), by name.
  public var signatureFile: String

  public init(fingerprint: String, keyType: String, principals: [String], signatureFile: String) {
    self.fingerprint = fingerprint
    self.keyType = keyType
    self.principals = principals
    self.signatureFile = signatureFile
  }

  enum CodingKeys: String, CodingKey {
    case fingerprint, principals
    case keyType = "key_type"
    case signatureFile = "signature_file"
  }
}
