import Testing

/// The key types labrun signs and verifies with, as ssh-keygen generates them.
enum KeyKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case ed25519
  case ecdsaP256
  case ecdsaP384
  case ecdsaP521
  case rsa

  /// `ssh-keygen` arguments that generate this kind.
  var keygenArguments: [String] {
    switch self {
    case .ed25519: return ["-t", "ed25519"]
    case .ecdsaP256: return ["-t", "ecdsa", "-b", "256"]
    case .ecdsaP384: return ["-t", "ecdsa", "-b", "384"]
    case .ecdsaP521: return ["-t", "ecdsa", "-b", "521"]
    case .rsa: return ["-t", "rsa", "-b", "3072"]
    }
  }

  var keyType: String {
    switch self {
    case .ed25519: return "ssh-ed25519"
    case .ecdsaP256: return "ecdsa-sha2-nistp256"
    case .ecdsaP384: return "ecdsa-sha2-nistp384"
    case .ecdsaP521: return "ecdsa-sha2-nistp521"
    case .rsa: return "ssh-rsa"
    }
  }

  /// The algorithm an SSH signature by this kind carries (RSA: rsa-sha2-512, as ssh-keygen signs).
  var signatureAlgorithm: String { self == .rsa ? "rsa-sha2-512" : keyType }

  var testDescription: String { rawValue }
}
