import Crypto
import Foundation
import LabPipeline
import _CryptoExtras

/// An SSH public key of a type labrun can sign and verify with: ssh-ed25519,
/// ecdsa-sha2-nistp256/384/521 and ssh-rsa.
///
/// Two keys are equal when their canonical wire encodings are, as OpenSSH compares keys.
public struct SSHPublicKey: Sendable, Hashable, CustomStringConvertible {
  /// The key's numbers, by type.
  enum Material: Sendable, Hashable {
    case ed25519(publicKey: [UInt8])
    case ecdsa(curve: ECDSACurve, point: [UInt8])
    case rsa(exponent: [UInt8], modulus: [UInt8])
  }

  /// The smallest RSA modulus OpenSSH accepts.
  static let minimumRSABits = 1024

  let material: Material

  /// The key in SSH wire format, re-encoded canonically (what fingerprints are taken over).
  public let blob: [UInt8]

  init(material: Material) {
    self.material = material
    var writer = SSHWireWriter()
    switch material {
    case .ed25519(let publicKey):
      writer.write(text: "ssh-ed25519")
      writer.write(string: publicKey)
    case .ecdsa(let curve, let point):
      writer.write(text: curve.keyType)
      writer.write(text: curve.rawValue)
      writer.write(string: point)
    case .rsa(let exponent, let modulus):
      writer.write(text: "ssh-rsa")
      writer.write(mpint: exponent)
      writer.write(mpint: modulus)
    }
    blob = writer.bytes
  }

  /// Parses a key from its SSH wire format; `source` names where it came from, for errors.
  public init(blob: [UInt8], source: String = "public key") throws {
    let malformed = { BundleSignatureError.publicKeyMalformed(source: source, reason: $0) }
    var reader = SSHWireReader(blob)
    let type = try SSHWireError.mapping(malformed) { try reader.readText("key type") }
    let material: Material
    switch type {
    case "ssh-ed25519":
      let key = try SSHWireError.mapping(malformed) { try reader.readString("ed25519 key") }
      guard key.count == 32 else { throw malformed("ed25519 key of \(key.count) bytes, not 32") }
      material = .ed25519(publicKey: key)
    case "ssh-rsa":
      let (exponent, modulus) = try SSHWireError.mapping(malformed) {
        (try reader.readMPInt("RSA exponent"), try reader.readMPInt("RSA modulus"))
      }
      material = .rsa(exponent: exponent, modulus: modulus)
    default:
      if let curve = ECDSACurve(keyType: type) {
        let (name, point) = try SSHWireError.mapping(malformed) {
          (try reader.readText("curve name"), try reader.readString("ECDSA point"))
        }
        guard name == curve.rawValue else { throw malformed("\(type) key names curve \(name)") }
        material = .ecdsa(curve: curve, point: point)
      } else if type.hasSuffix("-cert-v01@openssh.com") {
        throw BundleSignatureError.certificatesNotSupported(keyType: type)
      } else {
        throw BundleSignatureError.unsupportedKeyType(type)
      }
    }
    try SSHWireError.mapping(malformed) { try reader.expectEnd("the \(type) key") }
    try Self.validate(material, source: source)
    self.init(material: material)
  }

  /// Parses an OpenSSH public key line, `type base64 [comment]`, as in `KEY.pub`.
  public init(line: String, source: String = "public key") throws {
    let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0.isNewline })
    guard fields.count >= 2 else {
      throw BundleSignatureError.publicKeyMalformed(source: source, reason: "expected `type base64-key`")
    }
    guard let data = Data(base64Encoded: String(fields[1])) else {
      throw BundleSignatureError.publicKeyMalformed(source: source, reason: "the key is not valid base64")
    }
    try self.init(blob: [UInt8](data), source: source)
    guard keyType == fields[0] else {
      throw BundleSignatureError.publicKeyMalformed(
        source: source, reason: "the line says \(fields[0]) but the key is \(keyType)")
    }
  }

  /// Reads a public key file (`KEY.pub`).
  public init(contentsOf url: URL) throws {
    let text = try String(signingFile: url)
    try self.init(line: text, source: url.path)
  }

  /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, …
  public var keyType: String {
    switch material {
    case .ed25519: return "ssh-ed25519"
    case .ecdsa(let curve, _): return curve.keyType
    case .rsa: return "ssh-rsa"
    }
  }

  /// `SHA256:` + unpadded base64 of the blob's SHA-256, as `ssh-keygen -lf` prints it.
  public var fingerprint: String {
    let digest = Data(SHA256.hash(data: blob)).base64EncodedString()
    return "SHA256:" + digest.replacingOccurrences(of: "=", with: "")
  }

  /// The key as an authorized_keys or allowed_signers key field: `type base64`.
  public var openSSHLine: String { "\(keyType) \(Data(blob).base64EncodedString())" }

  public var description: String { "\(keyType) \(fingerprint)" }

  public static func == (lhs: SSHPublicKey, rhs: SSHPublicKey) -> Bool { lhs.blob == rhs.blob }

  public func hash(into hasher: inout Hasher) { hasher.combine(blob) }

  /// Throws unless the cryptographic library accepts the key's numbers.
  private static func validate(_ material: Material, source: String) throws {
    let malformed = { BundleSignatureError.publicKeyMalformed(source: source, reason: $0) }
    switch material {
    case .ed25519(let key):
      guard (try? Curve25519.Signing.PublicKey(rawRepresentation: key)) != nil else {
        throw malformed("not an ed25519 point")
      }
    case .ecdsa(let curve, let point):
      let valid: Bool
      switch curve {
      case .nistp256: valid = (try? P256.Signing.PublicKey(x963Representation: point)) != nil
      case .nistp384: valid = (try? P384.Signing.PublicKey(x963Representation: point)) != nil
      case .nistp521: valid = (try? P521.Signing.PublicKey(x963Representation: point)) != nil
      }
      guard valid else { throw malformed("not a point on \(curve.rawValue)") }
    case .rsa(let exponent, let modulus):
      let bits = modulus.count * 8 - (modulus.first.map { $0.leadingZeroBitCount } ?? 8)
      guard bits >= minimumRSABits else {
        throw malformed("RSA modulus of \(bits) bits; OpenSSH requires at least \(minimumRSABits)")
      }
      guard (try? _RSA.Signing.PublicKey(n: modulus, e: exponent)) != nil else {
        throw malformed("the RSA numbers are not a valid key")
      }
    }
  }
}
