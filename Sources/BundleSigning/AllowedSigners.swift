import Foundation
import LabPipeline

/// An allowed_signers file (ssh-keygen(1), ALLOWED SIGNERS): which keys may sign, for which
/// principals, in which namespaces and when.
///
/// The whole file is checked when read: a line that does not parse is an error naming the file
/// and line, even when it would not have mattered for the signature at hand.
public struct AllowedSigners: Sendable {
  /// One line: `principals [options] keytype base64-key [comment]`.
  public struct Entry: Sendable, Equatable {
    /// The line number in the file, from 1.
    public var line: Int
    let principals: SSHPatternList
    /// The key type field, e.g. `ssh-ed25519`.
    public var keyType: String
    /// The key's wire format (canonical for the types labrun verifies).
    public var keyBlob: [UInt8]
    let namespaces: SSHPatternList?
    /// `valid-after`: the key is not accepted before this time.
    public var validAfter: Date?
    /// `valid-before`: the key is not accepted after this time.
    public var validBefore: Date?
    /// `cert-authority`: the key signs certificates, which labrun does not accept, so such a
    /// line never admits a signature.
    public var isCertificateAuthority: Bool

    /// The principal patterns, negated ones with their `!`.
    public var principalPatterns: [String] { principals.patterns }
    /// The `namespaces` option's patterns; nil when the line has no such option.
    public var namespacePatterns: [String]? { namespaces?.patterns }
  }

  /// The file the entries came from, for messages.
  public let path: String
  /// The key lines, in file order (comments and blank lines left out).
  public let entries: [Entry]

  /// Reads and checks an allowed_signers file.
  public init(contentsOf url: URL) throws {
    let text = try String(signingFile: url)
    try self.init(text: text, path: url.path)
  }

  /// Parses allowed_signers text; `path` names it in errors.
  public init(text: String, path: String) throws {
    self.path = path
    var entries: [Entry] = []
    // isNewline, not "\n": a CRLF line end is one Character, which "\n" does not match.
    let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    for (index, line) in lines.enumerated() {
      let parser = AllowedSignersLineParser(path: path, line: index + 1)
      if let entry = try parser.parse(line) { entries.append(entry) }
    }
    self.entries = entries
  }

  /// The first line that lets `key` sign in `namespace` at `date` (for `principal`, when given),
  /// as ssh-keygen looks them up.
  ///
  /// - Throws: why the key is refused, naming its fingerprint: not listed, not for that
  ///   principal, namespace not permitted, not yet valid or expired.
  func authorize(_ key: SSHPublicKey, namespace: String, principal: String?, at date: Date) throws -> Entry {
    var refusal: BundleSignatureError?
    var listedForOthers = false
    for entry in entries where !entry.isCertificateAuthority && entry.keyBlob == key.blob {
      if let principal, entry.principals.match(principal) != .matched {
        listedForOthers = true
        continue
      }
      if let namespaces = entry.namespaces, namespaces.match(namespace) != .matched {
        refusal =
          refusal
          ?? .namespaceNotPermitted(
            fingerprint: key.fingerprint, namespace: namespace, allowedSigners: path, line: entry.line)
        continue
      }
      // Whole seconds, as ssh-keygen compares them.
      let seconds = date.timeIntervalSince1970.rounded(.down)
      if let after = entry.validAfter, seconds < after.timeIntervalSince1970 {
        refusal =
          refusal
          ?? .keyNotYetValid(
            fingerprint: key.fingerprint, validAfter: after, allowedSigners: path, line: entry.line)
        continue
      }
      if let before = entry.validBefore, seconds > before.timeIntervalSince1970 {
        refusal =
          refusal
          ?? .keyExpired(
            fingerprint: key.fingerprint, validBefore: before, allowedSigners: path, line: entry.line)
        continue
      }
      return entry
    }
    if let refusal { throw refusal }
    if let principal, listedForOthers {
      throw BundleSignatureError.principalNotAllowed(
        principal: principal, fingerprint: key.fingerprint, allowedSigners: path)
    }
    throw BundleSignatureError.keyNotAllowed(fingerprint: key.fingerprint, allowedSigners: path)
  }
}
