import Crypto
import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// What ssh_config's `%` tokens stand for on one connection (ssh_config(5), TOKENS), and the
/// expansion of `~`, `%x` and `${VAR}` the way ssh does it.
struct SSHTokens: Sendable {
  /// `%h`: the host name connected to (after HostName).
  var hostName: String
  /// `%n`: the host as given on the command line (or in ProxyJump).
  var originalHost: String
  /// `%p`
  var port: Int
  /// `%r`
  var remoteUser: String
  /// `%u`
  var localUser: String
  /// `%d`, and what `~` stands for.
  var home: String
  /// `%k`: HostKeyAlias, else the original host.
  var hostKeyAlias: String?

  /// Tokens of HostName.
  static let hostNameTokens: Set<Character> = ["h"]
  /// Tokens of ProxyCommand and ProxyJump.
  static let proxyTokens: Set<Character> = ["h", "k", "n", "p", "r"]
  /// Tokens of IdentityFile, UserKnownHostsFile, IdentityAgent, CertificateFile.
  static let pathTokens: Set<Character> = ["C", "L", "i", "k", "l", "n", "p", "d", "h", "r", "u"]

  /// Replaces `%x` tokens (those in `allowed`) and, with `environment`, `${VAR}`.
  /// - Throws: ``SSHError/configInvalid(source:detail:)`` for an unknown token or unset
  ///   variable, as ssh refuses them.
  func expand(
    _ value: String, allowed: Set<Character>, keyword: String, environment: [String: String]? = nil
  ) throws -> String {
    var result = ""
    var characters = value[...]
    while let character = characters.popFirst() {
      if character == "$", let environment, characters.first == "{" {
        guard let close = characters.firstIndex(of: "}") else {
          throw SSHError.configInvalid(source: keyword, detail: "unterminated ${ in '\(value)'")
        }
        let name = String(characters[characters.index(after: characters.startIndex)..<close])
        guard let variable = environment[name] else {
          throw SSHError.configInvalid(
            source: keyword, detail: "environment variable \(name) in '\(value)' is not set")
        }
        result += variable
        characters = characters[characters.index(after: close)...]
        continue
      }
      guard character == "%" else {
        result.append(character)
        continue
      }
      guard let token = characters.popFirst() else {
        throw SSHError.configInvalid(source: keyword, detail: "'%' at the end of '\(value)'")
      }
      if token == "%" {
        result.append("%")
      } else if allowed.contains(token), let expansion = self.value(of: token) {
        result += expansion
      } else {
        throw SSHError.configInvalid(source: keyword, detail: "unknown token %\(token) in '\(value)'")
      }
    }
    return result
  }

  /// `~` (or `~user`), then `%` tokens and `${VAR}`, as ssh expands IdentityFile and friends.
  func expandPath(_ value: String, keyword: String, environment: [String: String]) throws -> String {
    try expand(
      Self.expandTilde(value, home: home), allowed: Self.pathTokens, keyword: keyword,
      environment: environment)
  }

  private func value(of token: Character) -> String? {
    switch token {
    case "h": return hostName
    case "n": return originalHost
    case "p": return String(port)
    case "r": return remoteUser
    case "u": return localUser
    case "d": return home
    case "k": return hostKeyAlias ?? originalHost
    case "i": return String(getuid())
    case "l": return Self.localHostName
    case "L": return String(Self.localHostName.prefix { $0 != "." })
    case "C": return connectionHash
    default: return nil
    }
  }

  /// `%C`: SHA-1 of `%l%h%p%r` in hex, as ssh's `ssh_connection_hash`.
  var connectionHash: String {
    let digest = Insecure.SHA1.hash(
      data: Data((Self.localHostName + hostName + String(port) + remoteUser).utf8))
    return digest.map { String(format: "%02x", $0) }.joined()
  }

  static var localHostName: String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// `~` and `~/…` are `home`; `~user/…` is that user's home directory.
  static func expandTilde(_ path: String, home: String) -> String {
    guard path.hasPrefix("~") else { return path }
    let rest = path.dropFirst()
    let name = rest.prefix { $0 != "/" }
    let tail = rest.dropFirst(name.count)
    if name.isEmpty { return home + tail }
    guard let entry = PasswordEntry(name: String(name)) else { return path }
    return entry.home + tail
  }
}
