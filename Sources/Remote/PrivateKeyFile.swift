import Foundation
import LabPipeline

/// What labrun needs to know about a private key file before handing it to libssh2.
struct PrivateKeyFile: Sendable {
  var path: String
  /// The key needs a passphrase.
  var isEncrypted: Bool
  /// The key is RSA (per its public half or PEM header).
  var isRSA: Bool

  init(path: String) throws {
    self.path = path
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw SSHError.keyFileUnreadable(
        path: path,
        detail: "cannot read it (\(FileProblem.reason(error, path: path))); check --identity and IdentityFile"
      )
    }
    let publicHalf = try? String(contentsOfFile: path + ".pub", encoding: .utf8)
    isRSA = text.contains("BEGIN RSA PRIVATE KEY") || publicHalf?.hasPrefix("ssh-rsa ") == true
    if text.contains("BEGIN OPENSSH PRIVATE KEY") {
      isEncrypted = Self.openSSHCipher(text) != "none"
    } else if text.contains("BEGIN") && text.contains("PRIVATE KEY") {
      isEncrypted = text.contains("ENCRYPTED")
    } else {
      throw SSHError.keyFileUnreadable(path: path, detail: "not a PEM or OpenSSH private key")
    }
  }

  /// The cipher name of an `openssh-key-v1` key: `none` when unencrypted.
  static func openSSHCipher(_ text: String) -> String? {
    let body = text.split(whereSeparator: \.isNewline)
      .filter { !$0.hasPrefix("-----") }
      .joined()
    guard let data = Data(base64Encoded: body) else { return nil }
    let bytes = [UInt8](data)
    let magic = Array("openssh-key-v1".utf8) + [0]
    guard bytes.count > magic.count + 4, Array(bytes[0..<magic.count]) == magic else { return nil }
    let offset = magic.count
    let length =
      Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8
      | Int(bytes[offset + 3])
    guard length < 64, bytes.count >= offset + 4 + length else { return nil }
    return String(bytes: bytes[(offset + 4)..<(offset + 4 + length)], encoding: .utf8)
  }
}
