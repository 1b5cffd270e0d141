import Foundation

/// The subset of ssh_config(5) labrun honours, resolved for one host.
public struct SSHHostConfig: Sendable, Hashable {
  /// The real host name or address to connect to.
  public var hostName: String
  public var user: String?
  public var port: Int?
  /// IdentityFile values, `~` and `%` tokens expanded, in file order.
  public var identityFiles: [String]
  /// IdentitiesOnly: use only the configured identities (no agent keys).
  public var identitiesOnly: Bool
}

/// A parsed ssh_config file: Host blocks with first-value-wins semantics, like ssh.
///
/// Unknown keywords are kept but ignored; `Match` blocks are not evaluated (treated as not
/// matching); `Include` is followed relative to `~/.ssh`.
public struct SSHConfig: Sendable {
  struct Entry: Sendable {
    var patterns: [String]?  // nil: before any Host line (applies to all)
    var keyword: String  // lower-cased
    var value: String
  }

  var entries: [Entry]
  /// The file it was read from, for messages.
  public let path: String

  /// An empty configuration (no file).
  public init(path: String) {
    self.entries = []
    self.path = path
  }

  /// Reads `path`; a missing file is an empty configuration unless `required`.
  public init(contentsOf path: String, home: String, required: Bool) throws {
    self.path = path
    self.entries = []
    guard FileManager.default.fileExists(atPath: path) else {
      if required { throw SSHError.configUnreadable(path: path, detail: "no such file") }
      return
    }
    try load(path: path, home: home, patterns: nil, depth: 0)
  }

  /// Parses configuration text (used by tests and `Include`).
  public init(text: String, path: String, home: String = NSHomeDirectory()) throws {
    self.path = path
    self.entries = []
    try parse(text: text, home: home, patterns: nil, depth: 0)
  }

  private mutating func load(path: String, home: String, patterns: [String]?, depth: Int) throws {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw SSHError.configUnreadable(path: path, detail: error.localizedDescription)
    }
    try parse(text: text, home: home, patterns: patterns, depth: depth)
  }

  private mutating func parse(text: String, home: String, patterns start: [String]?, depth: Int) throws {
    var patterns = start
    for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
      let words = Self.words(String(rawLine))
      guard let first = words.first else { continue }
      let keyword = first.lowercased()
      let arguments = Array(words.dropFirst())
      switch keyword {
      case "host":
        patterns = arguments
      case "match":
        patterns = []  // never matches: labrun does not evaluate Match criteria
      case "include":
        guard depth < 8 else { continue }
        for argument in arguments {
          let expanded = Self.expandTilde(argument, home: home)
          let full = expanded.hasPrefix("/") ? expanded : home + "/.ssh/" + expanded
          for file in Self.glob(full) {
            try load(path: file, home: home, patterns: patterns, depth: depth + 1)
          }
        }
      default:
        entries.append(Entry(patterns: patterns, keyword: keyword, value: arguments.joined(separator: " ")))
      }
    }
  }

  /// Resolves `host` (an alias or a name) the way ssh does: first value wins.
  public func resolve(host: String, localUser: String, home: String) -> SSHHostConfig {
    var hostName: String?
    var user: String?
    var port: Int?
    var identityFiles: [String] = []
    var identitiesOnly: Bool?
    for entry in entries where Self.matches(host: host, patterns: entry.patterns) {
      switch entry.keyword {
      case "hostname": if hostName == nil { hostName = entry.value }
      case "user": if user == nil { user = entry.value }
      case "port": if port == nil { port = Int(entry.value) }
      case "identityfile": identityFiles.append(entry.value)
      case "identitiesonly": if identitiesOnly == nil { identitiesOnly = entry.value.lowercased() == "yes" }
      default: break
      }
    }
    let resolvedHostName =
      (hostName.map { Self.expandTokens($0, host: host, user: nil, localUser: localUser, home: home) })
      ?? host
    let resolvedUser = user ?? localUser
    let files = identityFiles.map {
      Self.expandTokens(
        Self.expandTilde($0, home: home), host: resolvedHostName, user: resolvedUser, localUser: localUser,
        home: home)
    }
    return SSHHostConfig(
      hostName: resolvedHostName, user: user, port: port, identityFiles: files,
      identitiesOnly: identitiesOnly ?? false)
  }

  /// Whether any Host block (not the global section) names `host`.
  public func hasHostBlock(matching host: String) -> Bool {
    entries.contains { entry in
      guard let patterns = entry.patterns, !patterns.contains("*") else { return false }
      return Self.matches(host: host, patterns: patterns)
    }
  }

  static func matches(host: String, patterns: [String]?) -> Bool {
    guard let patterns else { return true }
    var positive = false
    for pattern in patterns {
      if pattern.hasPrefix("!") {
        if wildcardMatch(String(pattern.dropFirst()), host) { return false }
      } else if wildcardMatch(pattern, host) {
        positive = true
      }
    }
    return positive
  }

  /// ssh_config wildcard matching: `*` any run, `?` one character; case-insensitive.
  static func wildcardMatch(_ pattern: String, _ text: String) -> Bool {
    let p = Array(pattern.lowercased())
    let t = Array(text.lowercased())
    var pi = 0
    var ti = 0
    var star = -1
    var mark = 0
    while ti < t.count {
      if pi < p.count, p[pi] == "?" || p[pi] == t[ti] {
        pi += 1
        ti += 1
      } else if pi < p.count, p[pi] == "*" {
        star = pi
        mark = ti
        pi += 1
      } else if star >= 0 {
        pi = star + 1
        mark += 1
        ti = mark
      } else {
        return false
      }
    }
    while pi < p.count, p[pi] == "*" { pi += 1 }
    return pi == p.count
  }

  /// Splits a config line into words: `Key Value`, `Key=Value`, double-quoted values, `#` comments.
  static func words(_ line: String) -> [String] {
    var words: [String] = []
    var current = ""
    var inQuotes = false
    var hasWord = false
    for character in line {
      if inQuotes {
        if character == "\"" { inQuotes = false } else { current.append(character) }
        continue
      }
      if character == "\"" {
        inQuotes = true
        hasWord = true
      } else if character == "#" && !hasWord && current.isEmpty {
        break
      } else if character == " " || character == "\t" || (character == "=" && words.isEmpty) {
        if hasWord || !current.isEmpty { words.append(current) }
        current = ""
        hasWord = false
      } else {
        current.append(character)
        hasWord = true
      }
    }
    if hasWord || !current.isEmpty { words.append(current) }
    return words
  }

  static func expandTilde(_ path: String, home: String) -> String {
    if path == "~" { return home }
    if path.hasPrefix("~/") { return home + path.dropFirst() }
    return path
  }

  static func expandTokens(_ value: String, host: String, user: String?, localUser: String, home: String)
    -> String
  {
    var result = ""
    var iterator = value.makeIterator()
    while let character = iterator.next() {
      guard character == "%" else {
        result.append(character)
        continue
      }
      switch iterator.next() {
      case "h": result += host
      case "r": result += user ?? localUser
      case "u": result += localUser
      case "d": result += home
      case "%": result += "%"
      case let other?: result += "%" + String(other)
      case nil: result += "%"
      }
    }
    return result
  }

  static func glob(_ pattern: String) -> [String] {
    guard pattern.contains("*") || pattern.contains("?") else {
      return FileManager.default.fileExists(atPath: pattern) ? [pattern] : []
    }
    let directory = (pattern as NSString).deletingLastPathComponent
    let filePattern = (pattern as NSString).lastPathComponent
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    return names.filter { wildcardMatch(filePattern, $0) }.sorted().map { directory + "/" + $0 }
  }
}
