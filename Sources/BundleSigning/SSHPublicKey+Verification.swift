import Crypto
import Foundation
import _CryptoExtras

extension SSHPublicKey {
  /// Checks an SSH signature blob (`string algorithm, string signature`) over `data`.
  ///
  /// - Returns: false when the signature does not match the data.
  /// - Throws: when the blob is malformed or its algorithm does not fit this key; a plain
  ///   `ssh-rsa` (SHA-1) signature is refused, as OpenSSH refuses it for SSH signatures.
  func isValidSignature(_ signature: [UInt8], for data: [UInt8]) throws -> Bool {
    let malformed = { BundleSignatureError.signatureMalformed(reason: $0) }
    var reader = SSHWireReader(signature)
    let (algorithm, bytes) = try SSHWireError.mapping(malformed) {
      let parts = (try reader.readText("signature algorithm"), try reader.readString("signature"))
      try reader.expectEnd("the signature")
      return parts
    }
    let mismatch = BundleSignatureError.signatureAlgorithmMismatch(
      keyType: keyType, signatureAlgorithm: algorithm)
    switch material {
    case .ed25519(let key):
      guard algorithm == "ssh-ed25519" else { throw mismatch }
      guard bytes.count == 64, let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: key)
      else {
        return false
      }
      return publicKey.isValidSignature(bytes, for: data)
    case .ecdsa(let curve, let point):
      guard algorithm == curve.keyType else { throw mismatch }
      var inner = SSHWireReader(bytes)
      let (r, s) = try SSHWireError.mapping(malformed) {
        let numbers = (try inner.readMPInt("ECDSA r"), try inner.readMPInt("ECDSA s"))
        try inner.expectEnd("the ECDSA signature")
        return numbers
      }
      guard let r = curve.padded(r), let s = curve.padded(s) else { return false }
      return Self.isValidECDSA(curve: curve, point: point, rawSignature: r + s, data: data)
    case .rsa(let exponent, let modulus):
      switch algorithm {
      case "rsa-sha2-256", "rsa-sha2-512": break
      case "ssh-rsa": throw BundleSignatureError.rsaSHA1Refused(fingerprint: fingerprint)
      default: throw mismatch
      }
      guard bytes.count <= modulus.count, let publicKey = try? _RSA.Signing.PublicKey(n: modulus, e: exponent)
      else { return false }
      // OpenSSH accepts signatures shorter than the modulus and left-pads them; so do we.
      let padded = [UInt8](repeating: 0, count: modulus.count - bytes.count) + bytes
      let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: padded)
      if algorithm == "rsa-sha2-256" {
        return publicKey.isValidSignature(
          rsaSignature, for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
      }
      return publicKey.isValidSignature(
        rsaSignature, for: SHA512.hash(data: data), padding: .insecurePKCS1v1_5)
    }
  }

  /// ECDSA over the curve's own hash (SHA-256, SHA-384, SHA-512), as RFC 5656 specifies.
  private static func isValidECDSA(curve: ECDSACurve, point: [UInt8], rawSignature: [UInt8], data: [UInt8])
    -> Bool
  {
    switch curve {
    case .nistp256:
      guard let key = try? P256.Signing.PublicKey(x963Representation: point),
        let signature = try? P256.Signing.ECDSASignature(rawRepresentation: rawSignature)
      else { return false }
      return key.isValidSignature(signature, for: data)
    case .nistp384:
      guard let key = try? P384.Signing.PublicKey(x963Representation: point),
        let signature = try? P384.Signing.ECDSASignature(rawRepresentation: rawSignature)
      else { return false }
      return key.isValidSignature(signature, for: data)
    case .nistp521:
      guard let key = try? P521.Signing.PublicKey(x963Representation: point),
        let signature = try? P521.Signing.ECDSASignature(rawRepresentation: rawSignature)
      else { return false }
      return key.isValidSignature(signature, for: data)
    }
  }
}
