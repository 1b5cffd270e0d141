import Foundation

/// One host of a `ProxyJump` list: `[user@]host[:port]` or `ssh://[user@]host[:port]`, as
/// OpenSSH's `parse_jump` reads it. `host` may be an ssh_config alias; the hop is resolved
/// through the same configuration as the target.
public struct SSHJumpHop: Sendable, Hashable, CustomStringConvertible {
  public var user: String?
  public var host: String
  public var port: Int?

  public init(user: String? = nil, host: String, port: Int? = nil) {
    self.user = user
    self.host = host
    self.port = port
  }

  /// Parses one hop; `[v6]` brackets are removed.
  /// - Throws: ``SSHError/configInvalid(source:detail:)`` naming the text.
  public init(parsing text: String) throws {
    let invalid = SSHError.configInvalid(source: "ProxyJump", detail: "invalid jump host '\(text)'")
    var rest = Substring(text)
    if rest.lowercased().hasPrefix("ssh://") {
      rest = rest.dropFirst(6)
      if rest.hasSuffix("/") { rest = rest.dropLast() }
      guard !rest.contains("/") else { throw invalid }
    }
    if let at = rest.lastIndex(of: "@") {
      guard at > rest.startIndex else { throw invalid }
      user = String(rest[..<at])
      rest = rest[rest.index(after: at)...]
    }
    var portText: Substring?
    if rest.hasPrefix("[") {
      guard let close = rest.firstIndex(of: "]") else { throw invalid }
      host = String(rest[rest.index(after: rest.startIndex)..<close])
      let after = rest[rest.index(after: close)...]
      if after.hasPrefix(":") {
        portText = after.dropFirst()
      } else if !after.isEmpty {
        throw invalid
      }
    } else if let colon = rest.firstIndex(of: ":") {
      host = String(rest[..<colon])
      portText = rest[rest.index(after: colon)...]
    } else {
      host = String(rest)
    }
    if let portText {
      guard let value = Int(portText), (1...65535).contains(value) else { throw invalid }
      port = value
    }
    guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "\t" || $0 == "/" }) else {
      throw invalid
    }
  }

  /// A comma-separated `ProxyJump` value; `nil` for `none`.
  public static func list(_ value: String) throws -> [SSHJumpHop]? {
    let trimmed = value.trimmingCharacters(in: .whitespaces)
    if trimmed.lowercased() == "none" { return nil }
    return try trimmed.split(separator: ",", omittingEmptySubsequences: false).map {
      try SSHJumpHop(parsing: String($0))
    }
  }

  /// As `ssh -G` prints a hop: `user@host:port`, numeric hosts in brackets.
  public var description: String {
    let numeric = host.contains(":") || host.allSatisfy { ($0.isASCII && $0.isNumber) || $0 == "." }
    var text = user.map { "\($0)@" } ?? ""
    text += numeric ? "[\(host)]" : host
    if let port { text += ":\(port)" }
    return text
  }
}
