import Foundation

/// Why a bundle could not be signed, or why its signature was refused.
public enum BundleSignatureError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// A file (bundle, key, signature, allowed signers) could not be read.
  case fileUnreadable(path: String, reason: String)
  /// The signature file could not be written.
  case fileUnwritable(path: String, reason: String)
  /// The signature text lacks the armor lines or its base64 does not decode.
  case signatureNotArmored(reason: String)
  /// The signature blob does not start with the `SSHSIG` magic.
  case signatureBadMagic
  /// The signature blob has a version this code does not know.
  case signatureUnsupportedVersion(UInt32)
  /// The signature blob is truncated or has fields that do not parse.
  case signatureMalformed(reason: String)
  /// The signature was made for another namespace.
  case namespaceMismatch(expected: String, found: String)
  /// The signature hashes the message with an algorithm other than sha256 or sha512.
  case unsupportedHashAlgorithm(String)
  /// The key type is not one this code can sign or verify with.
  case unsupportedKeyType(String)
  /// The key is an OpenSSH certificate.
  case certificatesNotSupported(keyType: String)
  /// A plain `ssh-rsa` (SHA-1) signature, which OpenSSH refuses for SSH signatures.
  case rsaSHA1Refused(fingerprint: String)
  /// The signature algorithm does not belong to the key's type.
  case signatureAlgorithmMismatch(keyType: String, signatureAlgorithm: String)
  /// The signature does not match the file's contents.
  case signatureInvalid(fingerprint: String, path: String)
  /// No allowed_signers line lists the signing key.
  case keyNotAllowed(fingerprint: String, allowedSigners: String)
  /// The key is listed, but not for the principal that was asked for.
  case principalNotAllowed(principal: String, fingerprint: String, allowedSigners: String)
  /// The key is listed, but its `namespaces` option excludes the signature's namespace.
  case namespaceNotPermitted(fingerprint: String, namespace: String, allowedSigners: String, line: Int)
  /// The key is listed with a `valid-after` time later than the verification time.
  case keyNotYetValid(fingerprint: String, validAfter: Date, allowedSigners: String, line: Int)
  /// The key is listed with a `valid-before` time earlier than the verification time.
  case keyExpired(fingerprint: String, validBefore: Date, allowedSigners: String, line: Int)
  /// A line of an allowed_signers file does not parse.
  case allowedSignersSyntax(path: String, line: Int, reason: String)
  /// A public key line or blob does not parse.
  case publicKeyMalformed(source: String, reason: String)
  /// A private key file does not parse.
  case privateKeyMalformed(path: String, reason: String)
  /// A private key in a format other than OpenSSH's own (`openssh-key-v1`).
  case privateKeyFormatUnsupported(path: String, format: String)
  /// The private key file is encrypted and no ssh-agent holds its key; `agent` says why.
  case encryptedKeyNotInAgent(path: String, fingerprint: String, agent: String)
  /// A public key was given and no ssh-agent holds its private half; `agent` says why.
  case publicKeyNotInAgent(path: String, fingerprint: String, agent: String)
  /// The ssh-agent could not be reached or answered something unexpected.
  case agentFailure(socket: String, reason: String)
  /// The ssh-agent refused to sign.
  case agentRefused(socket: String, fingerprint: String)
  /// The cryptographic library refused the key or failed to sign.
  case cryptoFailure(keyType: String, reason: String)

  public var description: String {
    switch self {
    case .fileUnreadable(let path, let reason):
      return "cannot read \(path): \(reason); check the path and that the file is readable"
    case .fileUnwritable(let path, let reason):
      return "cannot write \(path): \(reason); check that its directory exists and is writable"
    case .signatureNotArmored(let reason):
      return
        "not an SSH signature (\(reason)); expected a file made by `labrun bundle --sign` or `ssh-keygen -Y sign`,"
        + " starting with -----BEGIN SSH SIGNATURE-----"
    case .signatureBadMagic:
      return
        "not an SSH signature: the decoded blob does not start with SSHSIG; the signature file is corrupt"
    case .signatureUnsupportedVersion(let version):
      return
        "SSH signature version \(version) is not supported (only version 1 is); re-sign with current tools"
    case .signatureMalformed(let reason):
      return "the SSH signature is malformed (\(reason)); the signature file is corrupt, re-sign the bundle"
    case .namespaceMismatch(let expected, let found):
      return
        "the signature was made for namespace \"\(found)\", not \"\(expected)\"; sign the bundle with"
        + " `ssh-keygen -Y sign -n \(expected)` or `labrun bundle --sign`"
    case .unsupportedHashAlgorithm(let name):
      return "the signature hashes with \"\(name)\"; only sha256 and sha512 are accepted, as by OpenSSH"
    case .unsupportedKeyType(let type):
      return
        "key type \(type) is not supported; use an ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa key"
    case .certificatesNotSupported(let type):
      return "\(type) is an OpenSSH certificate, which labrun does not support; sign with the plain key"
    case .rsaSHA1Refused(let fingerprint):
      return
        "the RSA signature by \(fingerprint) uses ssh-rsa (SHA-1), which OpenSSH refuses for signatures;"
        + " re-sign with rsa-sha2-512 (current `ssh-keygen -Y sign` does)"
    case .signatureAlgorithmMismatch(let keyType, let algorithm):
      return
        "the signature algorithm \(algorithm) does not belong to a \(keyType) key; the signature is corrupt"
    case .signatureInvalid(let fingerprint, let path):
      return
        "the signature by \(fingerprint) does not match \(path): the file changed after it was signed,"
        + " or the signature belongs to another file"
    case .keyNotAllowed(let fingerprint, let file):
      return
        "the signing key \(fingerprint) is not listed in \(file); refusing the signature"
        + " (add the signer's public key there if you trust it)"
    case .principalNotAllowed(let principal, let fingerprint, let file):
      return
        "the signing key \(fingerprint) is not listed for principal \"\(principal)\" in \(file); refusing"
    case .namespaceNotPermitted(let fingerprint, let namespace, let file, let line):
      return
        "the signing key \(fingerprint) is listed in \(file):\(line), but its namespaces option does not"
        + " include \"\(namespace)\"; refusing (add \(namespace) to that line's namespaces=\"…\")"
    case .keyNotYetValid(let fingerprint, let date, let file, let line):
      return
        "the signing key \(fingerprint) is not valid before \(Self.format(date)) (\(file):\(line)"
        + " valid-after); refusing"
    case .keyExpired(let fingerprint, let date, let file, let line):
      return
        "the signing key \(fingerprint) expired at \(Self.format(date)) (\(file):\(line) valid-before); refusing"
    case .allowedSignersSyntax(let path, let line, let reason):
      return
        "\(path):\(line): \(reason); expected `principals [options] keytype base64-key` as in ssh-keygen(1)"
        + " ALLOWED SIGNERS"
    case .publicKeyMalformed(let source, let reason):
      return "\(source): not a usable SSH public key (\(reason))"
    case .privateKeyMalformed(let path, let reason):
      return
        "\(path): not a usable OpenSSH private key (\(reason)); generate one with `ssh-keygen -t ed25519`"
    case .privateKeyFormatUnsupported(let path, let format):
      return
        "\(path) is a \(format) key; labrun reads OpenSSH-format keys: convert it with"
        + " `ssh-keygen -p -f \(path)` (which rewrites it in OpenSSH format), or load it with `ssh-add \(path)`"
        + " and keep \(path).pub beside it"
    case .encryptedKeyNotInAgent(let path, let fingerprint, let agent):
      return
        "\(path) is encrypted and no ssh-agent holds its key \(fingerprint) (\(agent)): load it with"
        + " `ssh-add \(path)` (and make sure SSH_AUTH_SOCK names that agent), or use an unencrypted key"
    case .publicKeyNotInAgent(let path, let fingerprint, let agent):
      let privatePath = path.hasSuffix(".pub") ? String(path.dropLast(4)) : "PRIVATE-KEY"
      return
        "\(path) is a public key and no ssh-agent holds its private half \(fingerprint) (\(agent)): load it with"
        + " `ssh-add \(privatePath)`, or pass the private key file instead"
    case .agentFailure(let socket, let reason):
      return "ssh-agent at \(socket): \(reason); check that the agent runs and SSH_AUTH_SOCK names it"
    case .agentRefused(let socket, let fingerprint):
      return
        "ssh-agent at \(socket) refused to sign with \(fingerprint) (a confirmation was declined, or the"
        + " key was removed); re-add it with ssh-add and try again"
    case .cryptoFailure(let type, let reason):
      return "the \(type) key could not be used: \(reason)"
    }
  }

  public var errorDescription: String? { description }

  private static func format(_ date: Date) -> String {
    date.formatted(.iso8601)
  }
}
