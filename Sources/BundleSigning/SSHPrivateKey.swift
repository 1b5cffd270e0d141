import Crypto
import Foundation
import LabPipeline
import _CryptoExtras

/// A private key read from an unencrypted OpenSSH key file (`openssh-key-v1`).
///
/// Its description names only the public half; the secret never leaves this type.
public struct SSHPrivateKey: Sendable, CustomStringConvertible {
  /// The secret numbers, by type.
  enum Secret: Sendable {
    case ed25519(seed: [UInt8])
    case ecdsa(curve: ECDSACurve, scalar: [UInt8])
    case rsa(modulus: [UInt8], exponent: [UInt8], privateExponent: [UInt8], p: [UInt8], q: [UInt8])
  }

  public let publicKey: SSHPublicKey
  /// The comment stored with the key (often `user@host`).
  public let comment: String
  let secret: Secret

  /// Reads an unencrypted OpenSSH private key file.
  ///
  /// - Throws: ``BundleSignatureError/encryptedKeyNotInAgent(path:fingerprint:agent:)`` for an
  ///   encrypted file: use ``SigningKey/load(path:environment:)``, which signs through ssh-agent.
  public init(contentsOf url: URL) throws {
    let text = try String(signingFile: url)
    try self.init(file: OpenSSHKeyFile(text: text, path: url.path))
  }

  init(file: OpenSSHKeyFile) throws {
    guard !file.isEncrypted else {
      throw BundleSignatureError.encryptedKeyNotInAgent(
        path: file.path, fingerprint: file.publicKey.fingerprint, agent: "no agent was consulted")
    }
    let malformed = { BundleSignatureError.privateKeyMalformed(path: file.path, reason: $0) }
    var reader = SSHWireReader(file.privateSection)
    let (material, secret, comment) = try SSHWireError.mapping(malformed) {
      guard try reader.readUInt32("check number") == reader.readUInt32("check number") else {
        throw SSHWireError(reason: "the check numbers differ: the file is corrupt")
      }
      let type = try reader.readText("key type")
      let parsed = try Self.readSecret(type: type, from: &reader, path: file.path)
      let comment = try reader.readText("comment")
      // What is left is padding: 1, 2, 3, … up to the cipher's block size.
      for (index, byte) in reader.remaining.enumerated() where byte != UInt8(truncatingIfNeeded: index + 1) {
        throw SSHWireError(reason: "bad padding after the key")
      }
      return (parsed.0, parsed.1, comment)
    }
    let derived = SSHPublicKey(material: material)
    guard derived == file.publicKey else {
      throw malformed("the private key does not belong to the public key stored with it")
    }
    guard Self.secret(secret, matches: derived.material) else {
      throw malformed("the secret does not yield the \(derived.keyType) public key")
    }
    publicKey = derived
    self.comment = comment
    self.secret = secret
  }

  public var description: String { "private key \(publicKey)" }

  /// An SSH signature blob (`string algorithm, string signature`) over `data`: Ed25519,
  /// ECDSA with the curve's hash, or RSA as rsa-sha2-512.
  func signature(for data: [UInt8]) throws -> [UInt8] {
    var writer = SSHWireWriter()
    do {
      switch secret {
      case .ed25519(let seed):
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        writer.write(text: "ssh-ed25519")
        writer.write(string: [UInt8](try key.signature(for: data)))
      case .ecdsa(let curve, let scalar):
        let raw = try Self.ecdsaSignature(curve: curve, scalar: scalar, data: data)
        var inner = SSHWireWriter()
        inner.write(mpint: Array(raw.prefix(curve.coordinateSize)))
        inner.write(mpint: Array(raw.suffix(curve.coordinateSize)))
        writer.write(text: curve.keyType)
        writer.write(string: inner.bytes)
      case .rsa(let n, let e, let d, let p, let q):
        let key = try _RSA.Signing.PrivateKey(n: n, e: e, d: d, p: p, q: q)
        let signature = try key.signature(for: SHA512.hash(data: data), padding: .insecurePKCS1v1_5)
        writer.write(text: "rsa-sha2-512")
        writer.write(string: [UInt8](signature.rawRepresentation))
      }
    } catch let error as BundleSignatureError {
      throw error
    } catch {
      throw BundleSignatureError.cryptoFailure(keyType: publicKey.keyType, reason: "\(error)")
    }
    return writer.bytes
  }

  private static func ecdsaSignature(curve: ECDSACurve, scalar: [UInt8], data: [UInt8]) throws -> [UInt8] {
    switch curve {
    case .nistp256:
      return [UInt8](
        try P256.Signing.PrivateKey(rawRepresentation: scalar).signature(for: data).rawRepresentation)
    case .nistp384:
      return [UInt8](
        try P384.Signing.PrivateKey(rawRepresentation: scalar).signature(for: data).rawRepresentation)
    case .nistp521:
      return [UInt8](
        try P521.Signing.PrivateKey(rawRepresentation: scalar).signature(for: data).rawRepresentation)
    }
  }

  /// Reads one key's private fields; returns its public material and its secret.
  private static func readSecret(type: String, from reader: inout SSHWireReader, path: String) throws -> (
    SSHPublicKey.Material, Secret
  ) {
    switch type {
    case "ssh-ed25519":
      let publicKey = try reader.readString("ed25519 public key")
      let privateKey = try reader.readString("ed25519 private key")
      guard publicKey.count == 32, privateKey.count == 64 else {
        throw SSHWireError(reason: "ed25519 key fields of the wrong size")
      }
      return (.ed25519(publicKey: publicKey), .ed25519(seed: Array(privateKey.prefix(32))))
    case "ssh-rsa":
      let n = try reader.readMPInt("RSA modulus")
      let e = try reader.readMPInt("RSA exponent")
      let d = try reader.readMPInt("RSA private exponent")
      _ = try reader.readMPInt("RSA iqmp")
      let p = try reader.readMPInt("RSA p")
      let q = try reader.readMPInt("RSA q")
      return (.rsa(exponent: e, modulus: n), .rsa(modulus: n, exponent: e, privateExponent: d, p: p, q: q))
    default:
      guard let curve = ECDSACurve(keyType: type) else {
        if type.hasSuffix("-cert-v01@openssh.com") {
          throw BundleSignatureError.certificatesNotSupported(keyType: type)
        }
        throw BundleSignatureError.unsupportedKeyType(type)
      }
      let name = try reader.readText("curve name")
      guard name == curve.rawValue else { throw SSHWireError(reason: "\(type) key names curve \(name)") }
      let point = try reader.readString("ECDSA point")
      guard let scalar = curve.padded(try reader.readMPInt("ECDSA private scalar")) else {
        throw SSHWireError(reason: "ECDSA private scalar too long for \(name)")
      }
      return (.ecdsa(curve: curve, point: point), .ecdsa(curve: curve, scalar: scalar))
    }
  }

  /// Whether the secret yields the public key (false for a file edited by hand, or corrupt).
  private static func secret(_ secret: Secret, matches material: SSHPublicKey.Material) -> Bool {
    switch (secret, material) {
    case (.ed25519(let seed), .ed25519(let expected)):
      guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed) else { return false }
      return [UInt8](key.publicKey.rawRepresentation) == expected
    case (.ecdsa(let curve, let scalar), .ecdsa(_, let point)):
      let x963: Data?
      switch curve {
      case .nistp256:
        x963 = (try? P256.Signing.PrivateKey(rawRepresentation: scalar))?.publicKey.x963Representation
      case .nistp384:
        x963 = (try? P384.Signing.PrivateKey(rawRepresentation: scalar))?.publicKey.x963Representation
      case .nistp521:
        x963 = (try? P521.Signing.PrivateKey(rawRepresentation: scalar))?.publicKey.x963Representation
      }
      return x963.map { [UInt8]($0) == point } ?? false
    case (.rsa(let n, let e, let d, let p, let q), .rsa):
      return (try? _RSA.Signing.PrivateKey(n: n, e: e, d: d, p: p, q: q)) != nil
    default:
      return false
    }
  }
}
