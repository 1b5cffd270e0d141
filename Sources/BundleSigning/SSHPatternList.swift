/// OpenSSH pattern-lists (ssh_config(5) PATTERNS), as allowed_signers uses them for principals
/// and namespaces: comma-separated patterns with `*` and `?` wildcards, `!` negating one.
struct SSHPatternList: Sendable, Equatable {
  /// How a string fares against a pattern-list.
  enum Match: Equatable {
    /// A positive pattern matched and no negated one did.
    case matched
    /// No positive pattern matched.
    case unmatched
    /// A negated pattern matched, which excludes the string whatever else matches.
    case excluded
  }

  /// The patterns as written, negated ones with their leading `!`.
  let patterns: [String]

  init(_ text: String) {
    patterns = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
  }

  init(patterns: [String]) {
    self.patterns = patterns
  }

  /// The patterns that are not negated.
  var positivePatterns: [String] { patterns.filter { !$0.hasPrefix("!") } }

  func match(_ string: String) -> Match {
    var positive = false
    for pattern in patterns {
      let negated = pattern.hasPrefix("!")
      let body = negated ? String(pattern.dropFirst()) : pattern
      guard Self.wildcardMatch(Array(string.utf8), Array(body.utf8)) else { continue }
      if negated { return .excluded }
      positive = true
    }
    return positive ? .matched : .unmatched
  }

  /// Whether `pattern` (`*`: any run of bytes, `?`: one byte) matches all of `string`.
  static func wildcardMatch(_ string: [UInt8], _ pattern: [UInt8]) -> Bool {
    var s = 0
    var p = 0
    var starPattern: Int?
    var starString = 0
    while s < string.count {
      if p < pattern.count, pattern[p] == UInt8(ascii: "?") || pattern[p] == string[s] {
        s += 1
        p += 1
      } else if p < pattern.count, pattern[p] == UInt8(ascii: "*") {
        starPattern = p
        starString = s
        p += 1
      } else if let star = starPattern {
        // Let the last `*` swallow one more byte and retry from there.
        starString += 1
        s = starString
        p = star + 1
      } else {
        return false
      }
    }
    while p < pattern.count, pattern[p] == UInt8(ascii: "*") { p += 1 }
    return p == pattern.count
  }
}
