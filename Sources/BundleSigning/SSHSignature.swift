import Foundation
import LabPipeline

/// An SSH signature (OpenSSH's PROTOCOL.sshsig), as `ssh-keygen -Y sign` writes and
/// `ssh-keygen -Y verify` checks: a detached signature over a file, bound to a namespace.
public struct SSHSignature: Sendable, Equatable {
  /// The namespace labrun signs evidence bundles in.
  public static let bundleNamespace = "labrun-bundle"
  static let magic = Array("SSHSIG".utf8)
  static let version: UInt32 = 1
  static let beginLine = "-----BEGIN SSH SIGNATURE-----"
  static let endLine = "-----END SSH SIGNATURE-----"
  /// ssh-keygen wraps the armored base64 at 70 columns.
  static let lineLength = 70

  /// The key that made the signature (who made it is decided by an allowed_signers file).
  public let publicKey: SSHPublicKey
  /// The domain the signature is valid in, e.g. `labrun-bundle`.
  public let namespace: String
  public let hashAlgorithm: SignatureHashAlgorithm
  /// The SSH signature blob: `string algorithm, string signature`.
  let signatureBlob: [UInt8]

  init(
    publicKey: SSHPublicKey, namespace: String, hashAlgorithm: SignatureHashAlgorithm, signatureBlob: [UInt8]
  ) {
    self.publicKey = publicKey
    self.namespace = namespace
    self.hashAlgorithm = hashAlgorithm
    self.signatureBlob = signatureBlob
  }

  /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, `rsa-sha2-512`, … as named inside the signature.
  public var signatureAlgorithm: String {
    var reader = SSHWireReader(signatureBlob)
    return (try? reader.readText("signature algorithm")) ?? ""
  }

  // MARK: Signing

  /// Signs the file at `url` (streamed from disk) in `namespace` with `key`, hashing with sha512
  /// as ssh-keygen does.
  ///
  /// Blocks while it reads the file and, for an agent key, while the agent answers: call it
  /// from a thread of its own (or a detached task) when the bundle is large.
  public static func sign(
    fileAt url: URL, namespace: String = bundleNamespace, key: SigningKey,
    hashAlgorithm: SignatureHashAlgorithm = .sha512
  ) throws -> SSHSignature {
    guard !namespace.isEmpty else {
      throw BundleSignatureError.signatureMalformed(
        reason: "the namespace is empty, which PROTOCOL.sshsig forbids")
    }
    let digest = try hashAlgorithm.digest(ofFileAt: url)
    let signedData = Self.signedData(namespace: namespace, hashAlgorithm: hashAlgorithm, digest: digest)
    let blob = try key.signature(for: signedData)
    // A signature that does not verify here (an agent that misbehaved) is never written out.
    guard try key.publicKey.isValidSignature(blob, for: signedData) else {
      throw BundleSignatureError.cryptoFailure(
        keyType: key.publicKey.keyType, reason: "the signature made does not verify against its own key")
    }
    return SSHSignature(
      publicKey: key.publicKey, namespace: namespace, hashAlgorithm: hashAlgorithm, signatureBlob: blob)
  }

  /// What is actually signed: the magic, the namespace, the reserved field, the hash name and
  /// the message's hash.
  static func signedData(namespace: String, hashAlgorithm: SignatureHashAlgorithm, digest: [UInt8]) -> [UInt8]
  {
    var writer = SSHWireWriter()
    writer.write(raw: magic)
    writer.write(text: namespace)
    writer.write(string: [])
    writer.write(text: hashAlgorithm.rawValue)
    writer.write(string: digest)
    return writer.bytes
  }

  // MARK: Encoding

  /// The signature blob (what the armor wraps).
  public var blob: [UInt8] {
    var writer = SSHWireWriter()
    writer.write(raw: Self.magic)
    writer.write(uint32: Self.version)
    writer.write(string: publicKey.blob)
    writer.write(text: namespace)
    writer.write(string: [])
    writer.write(text: hashAlgorithm.rawValue)
    writer.write(string: signatureBlob)
    return writer.bytes
  }

  /// The armored text, byte for byte as ssh-keygen writes it (base64 in 70-column lines).
  public var armored: String {
    let base64 = Data(blob).base64EncodedString()
    var lines = [Self.beginLine]
    var start = base64.startIndex
    while start < base64.endIndex {
      let end = base64.index(start, offsetBy: Self.lineLength, limitedBy: base64.endIndex) ?? base64.endIndex
      lines.append(String(base64[start..<end]))
      start = end
    }
    lines.append(Self.endLine)
    return lines.joined(separator: "\n") + "\n"
  }

  // MARK: Parsing

  /// Parses an armored signature (`-----BEGIN SSH SIGNATURE-----` … `-----END SSH SIGNATURE-----`).
  public static func parse(armored text: String) throws -> SSHSignature {
    let blob: [UInt8]
    do {
      blob = try Armor.decode(text, begin: beginLine, end: endLine)
    } catch .missingBegin {
      throw BundleSignatureError.signatureNotArmored(reason: "no \(beginLine) line at the start")
    } catch .missingEnd {
      throw BundleSignatureError.signatureNotArmored(reason: "no \(endLine) line")
    } catch .notBase64 {
      throw BundleSignatureError.signatureNotArmored(reason: "the text between the armor lines is not base64")
    }
    return try parse(blob: blob)
  }

  /// Reads a signature file.
  public static func parse(contentsOf url: URL) throws -> SSHSignature {
    let text = try String(signingFile: url)
    return try parse(armored: text)
  }

  /// Parses the decoded blob: magic, version, public key, namespace, reserved, hash, signature.
  public static func parse(blob: [UInt8]) throws -> SSHSignature {
    guard blob.starts(with: magic) else { throw BundleSignatureError.signatureBadMagic }
    let malformed = { BundleSignatureError.signatureMalformed(reason: $0) }
    var reader = SSHWireReader(Array(blob.dropFirst(magic.count)))
    let version = try SSHWireError.mapping(malformed) { try reader.readUInt32("version") }
    guard version == Self.version else { throw BundleSignatureError.signatureUnsupportedVersion(version) }
    let (keyBlob, namespace, hashName, signatureBlob) = try SSHWireError.mapping(malformed) {
      let keyBlob = try reader.readString("public key")
      let namespace = try reader.readText("namespace")
      _ = try reader.readString("reserved field")  // for future use; ignored as the spec says
      let hashName = try reader.readText("hash algorithm")
      let signatureBlob = try reader.readString("signature")
      try reader.expectEnd("the signature")
      return (keyBlob, namespace, hashName, signatureBlob)
    }
    guard !namespace.isEmpty else { throw malformed("empty namespace") }
    guard let hashAlgorithm = SignatureHashAlgorithm(rawValue: hashName) else {
      throw BundleSignatureError.unsupportedHashAlgorithm(hashName)
    }
    let publicKey = try SSHPublicKey(blob: keyBlob, source: "the signature's public key")
    return SSHSignature(
      publicKey: publicKey, namespace: namespace, hashAlgorithm: hashAlgorithm, signatureBlob: signatureBlob)
  }

  // MARK: Verifying

  /// Checks the signature over the file at `url` (streamed from disk), then that an
  /// allowed_signers line lists its key for `namespace` at `date`.
  ///
  /// - Parameter principal: like `ssh-keygen -Y verify -I`: the key must be listed for it; nil
  ///   accepts any listed principal, like `ssh-keygen -Y find-principals`.
  /// - Returns: the principals the key is listed for and its fingerprint.
  public func verify(
    fileAt url: URL, namespace: String = bundleNamespace, allowedSigners: AllowedSigners,
    principal: String? = nil, at date: Date = Date()
  ) throws -> SignatureVerification {
    try checkSignature(fileAt: url, namespace: namespace)
    let entry = try allowedSigners.authorize(publicKey, namespace: namespace, principal: principal, at: date)
    return SignatureVerification(
      principals: principal.map { [$0] } ?? entry.principals.positivePatterns,
      fingerprint: publicKey.fingerprint, keyType: publicKey.keyType, signatureAlgorithm: signatureAlgorithm,
      namespace: namespace, allowedSignersLine: entry.line)
  }

  /// Checks only that this signature, in `namespace`, is over the file at `url`; says nothing
  /// about whether its key is trusted.
  public func checkSignature(fileAt url: URL, namespace: String = bundleNamespace) throws {
    guard self.namespace == namespace else {
      throw BundleSignatureError.namespaceMismatch(expected: namespace, found: self.namespace)
    }
    let digest = try hashAlgorithm.digest(ofFileAt: url)
    let signedData = Self.signedData(namespace: namespace, hashAlgorithm: hashAlgorithm, digest: digest)
    guard try publicKey.isValidSignature(signatureBlob, for: signedData) else {
      throw BundleSignatureError.signatureInvalid(fingerprint: publicKey.fingerprint, path: url.path)
    }
  }
}
