import Foundation

/// The outer layer of an OpenSSH private key file (`openssh-key-v1`, PROTOCOL.key): its cipher,
/// its public key (stored in clear even when the file is encrypted) and the private section.
struct OpenSSHKeyFile: Sendable {
  static let beginLine = "-----BEGIN OPENSSH PRIVATE KEY-----"
  static let endLine = "-----END OPENSSH PRIVATE KEY-----"
  static let magic = Array("openssh-key-v1".utf8) + [0]

  /// Where the file was read from, for errors.
  let path: String
  /// `none` for an unencrypted file, else e.g. `aes256-ctr`.
  let cipherName: String
  let publicKey: SSHPublicKey
  /// Still encrypted unless ``cipherName`` is `none`.
  let privateSection: [UInt8]

  var isEncrypted: Bool { cipherName != "none" }

  /// The label of a PEM-style first line (`OPENSSH PRIVATE KEY`, `RSA PRIVATE KEY`, …).
  static func pemLabel(of text: String) -> String? {
    let firstLine = text.drop(while: { $0.isWhitespace }).prefix(while: { !$0.isNewline })
    guard firstLine.hasPrefix("-----BEGIN "), firstLine.hasSuffix("-----") else { return nil }
    return String(firstLine.dropFirst("-----BEGIN ".count).dropLast("-----".count))
  }

  init(text: String, path: String) throws {
    let malformed = { BundleSignatureError.privateKeyMalformed(path: path, reason: $0) }
    self.path = path
    let bytes: [UInt8]
    do {
      bytes = try Armor.decode(text, begin: Self.beginLine, end: Self.endLine)
    } catch .notBase64 {
      throw malformed("the key is not valid base64")
    } catch {
      throw malformed("missing the \(Self.beginLine) and \(Self.endLine) lines")
    }
    guard bytes.starts(with: Self.magic) else { throw malformed("no openssh-key-v1 magic") }
    var reader = SSHWireReader(Array(bytes.dropFirst(Self.magic.count)))
    let (cipher, publicBlob, section) = try SSHWireError.mapping(malformed) {
      let cipher = try reader.readText("cipher name")
      _ = try reader.readText("KDF name")
      _ = try reader.readString("KDF options")
      let count = try reader.readUInt32("key count")
      guard count == 1 else { throw SSHWireError(reason: "\(count) keys in one file; OpenSSH writes one") }
      let publicBlob = try reader.readString("public key")
      let section = try reader.readString("private section")
      try reader.expectEnd("the private section")
      return (cipher, publicBlob, section)
    }
    cipherName = cipher
    publicKey = try SSHPublicKey(blob: publicBlob, source: path)
    privateSection = section
  }
}
