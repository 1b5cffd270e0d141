import Crypto
import Foundation
import LabPipeline

/// A host key as offered by a server: its type name and wire-format blob.
public struct HostKey: Sendable, Hashable {
  /// `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, …
  public var type: String
  /// The key in SSH wire format (what known_hosts stores base64-encoded).
  public var blob: [UInt8]

  public init(type: String, blob: [UInt8]) {
    self.type = type
    self.blob = blob
  }

  /// Reads the type name from the blob's first SSH string.
  public init?(blob: [UInt8]) {
    guard blob.count >= 4 else { return nil }
    let length = Int(blob[0]) << 24 | Int(blob[1]) << 16 | Int(blob[2]) << 8 | Int(blob[3])
    guard length > 0, length < 64, blob.count >= 4 + length,
      let type = String(bytes: blob[4..<(4 + length)], encoding: .utf8)
    else { return nil }
    self.init(type: type, blob: blob)
  }

  /// `SHA256:` + unpadded base64 of the blob's SHA-256, as `ssh-keygen -lf` prints it.
  public var fingerprint: String {
    let digest = Data(SHA256.hash(data: blob)).base64EncodedString()
    return "SHA256:" + digest.replacingOccurrences(of: "=", with: "")
  }

  /// The known_hosts line for this key under `hostToken`.
  public func knownHostsLine(hostToken: String) -> String {
    "\(hostToken) \(type) \(Data(blob).base64EncodedString())"
  }
}

/// What the known_hosts files say about a host's offered key.
public enum HostKeyVerdict: Sendable, Equatable {
  /// The key is on record for this host.
  case known(file: String)
  /// Keys are on record for this host, but not this one.
  case changed(known: [HostKey], file: String)
  /// The key is marked @revoked.
  case revoked(file: String)
  /// Nothing is on record for this host.
  case unknown
}

/// known_hosts files (plain and hashed entries), read-only except for labrun's own file.
public struct KnownHosts: Sendable {
  struct Entry: Sendable {
    var marker: String?
    var patterns: [String]
    var key: HostKey
    var file: String
  }

  var entries: [Entry] = []

  /// Reads every existing file; unreadable lines are ignored as ssh does.
  public init(files: [String]) {
    for file in files {
      guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
      for line in text.split(whereSeparator: \.isNewline) {
        if let entry = Self.parse(line: String(line), file: file) { entries.append(entry) }
      }
    }
  }

  static func parse(line: String, file: String) -> Entry? {
    var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    guard let first = fields.first, !first.hasPrefix("#") else { return nil }
    var marker: String?
    if first.hasPrefix("@") {
      marker = first
      fields.removeFirst()
    }
    guard fields.count >= 3, let data = Data(base64Encoded: fields[2]), let key = HostKey(blob: [UInt8](data))
    else { return nil }
    return Entry(
      marker: marker, patterns: fields[0].split(separator: ",").map(String.init), key: key, file: file)
  }

  /// The token known_hosts uses for a host: `name` on port 22, `[name]:port` otherwise.
  public static func hostToken(_ host: String, port: Int) -> String {
    port == 22 ? host : "[\(host)]:\(port)"
  }

  /// Checks `key` offered by `host` (any of its names/addresses) on `port`.
  public func verdict(for key: HostKey, hosts: [String], port: Int) -> HostKeyVerdict {
    verdict(for: key, tokens: hosts.map { Self.hostToken($0, port: port) })
  }

  /// Checks `key` against the entries for any of `tokens` (`host`, `[host]:port`, or a
  /// HostKeyAlias).
  public func verdict(for key: HostKey, tokens: [String]) -> HostKeyVerdict {
    let matching = entries.filter { entry in
      entry.marker != "@cert-authority"
        && tokens.contains { Self.matches(token: $0, patterns: entry.patterns) }
    }
    if let revoked = matching.first(where: { $0.marker == "@revoked" && $0.key.blob == key.blob }) {
      return .revoked(file: revoked.file)
    }
    let plain = matching.filter { $0.marker == nil }
    if let hit = plain.first(where: { $0.key.blob == key.blob }) { return .known(file: hit.file) }
    if let first = plain.first { return .changed(known: plain.map(\.key), file: first.file) }
    return .unknown
  }

  /// Key types on record for the host, so the handshake can prefer them.
  public func knownKeyTypes(hosts: [String], port: Int) -> [String] {
    knownKeyTypes(tokens: hosts.map { Self.hostToken($0, port: port) })
  }

  /// Key types on record under any of `tokens`.
  public func knownKeyTypes(tokens: [String]) -> [String] {
    var types: [String] = []
    for entry in entries where entry.marker == nil {
      guard tokens.contains(where: { Self.matches(token: $0, patterns: entry.patterns) }) else { continue }
      if !types.contains(entry.key.type) { types.append(entry.key.type) }
    }
    return types
  }

  static func matches(token: String, patterns: [String]) -> Bool {
    var positive = false
    for pattern in patterns {
      if pattern.hasPrefix("|1|") {
        if hashedMatch(pattern, token) { positive = true }
      } else if pattern.hasPrefix("!") {
        if SSHConfig.wildcardMatch(String(pattern.dropFirst()), token) { return false }
      } else if SSHConfig.wildcardMatch(pattern, token) {
        positive = true
      }
    }
    return positive
  }

  /// `|1|salt|hash`: hash = HMAC-SHA1(key: salt, message: host token).
  static func hashedMatch(_ pattern: String, _ token: String) -> Bool {
    let parts = pattern.split(separator: "|", omittingEmptySubsequences: true)
    guard parts.count == 3, parts[0] == "1", let salt = Data(base64Encoded: String(parts[1])),
      let expected = Data(base64Encoded: String(parts[2]))
    else { return false }
    let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Data(token.utf8), using: SymmetricKey(data: salt))
    return Data(mac) == expected
  }

  /// Appends `key` for `hostToken` to `file` (labrun's own known_hosts), creating it 0600.
  public static func remember(_ key: HostKey, hostToken: String, in file: URL) throws {
    let directory = file.deletingLastPathComponent()
    try AtomicFile.createDirectory(directory)
    let line = key.knownHostsLine(hostToken: hostToken) + "\n"
    if !FileManager.default.fileExists(atPath: file.path) {
      _ = FileManager.default.createFile(
        atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600])
    }
    let handle = try FileHandle(forWritingTo: file)
    defer { try? handle.close() }
    try handle.seekToEnd()
    try handle.write(contentsOf: Data(line.utf8))
  }
}
