import Foundation
import LabPipeline

#if canImport(Glibc)
  import Glibc
#endif

/// ssh_config files parsed the way OpenSSH's readconf.c reads them: lines split into a keyword
/// and arguments (quotes, backslash escapes, `Key=Value`, `#` comments), `Include` followed
/// (globs; relative paths under `~/.ssh/`, or `/etc/ssh/` for the system file).
///
/// This is labrun's own resolver, used when OpenSSH's `ssh` is not installed (otherwise
/// ``OpenSSHConfigResolver`` asks `ssh -G`). ``resolve(host:user:port:localUser:home:environment:)``
/// evaluates `Host` and `Match` (`host`, `originalhost`, `user`, `localuser`, `all`) with
/// first-value-wins semantics; criteria it cannot evaluate are reported, never guessed.
public struct SSHConfig: Sendable {
  /// One meaningful line.
  enum Line: Sendable {
    /// `Host` and its patterns.
    case host(patterns: [String])
    /// `Match` and its criteria, split into words; `location` is `file line N`.
    case match(criteria: [String], location: String)
    /// `Include`: every matched file's lines, in glob order.
    case include(files: [[Line]])
    /// Any other keyword (lower-cased), its arguments, and the raw text after the keyword
    /// (ProxyCommand takes the rest of the line as written).
    case option(keyword: String, arguments: [String], rest: String, location: String)
  }

  /// A file and its lines.
  struct File: Sendable {
    var path: String
    var lines: [Line]
  }

  /// The files in the order ssh reads them.
  var files: [File]

  /// OpenSSH nests Include at most this deep (READCONF_MAX_DEPTH).
  static let maximumDepth = 16

  /// The configuration ssh would read: `configFile` (`-F`; `none` for no file) alone, else the
  /// user's `~/.ssh/config` (if present) followed by the system-wide `systemFile` (if present).
  /// - Throws: ``SSHError/configUnreadable(path:detail:)`` when `-F` names a missing file,
  ///   ``SSHError/configInvalid(source:detail:)`` for a line ssh would reject.
  public init(configFile: String?, home: String, systemFile: String = "/etc/ssh/ssh_config") throws {
    files = []
    if let configFile {
      guard configFile.lowercased() != "none" else { return }
      guard FileManager.default.fileExists(atPath: configFile) else {
        throw SSHError.configUnreadable(path: configFile, detail: "no such file")
      }
      files.append(try Self.load(path: configFile, home: home, userConfig: true, depth: 0))
      return
    }
    let user = home + "/.ssh/config"
    if FileManager.default.fileExists(atPath: user) {
      files.append(try Self.load(path: user, home: home, userConfig: true, depth: 0))
    }
    if FileManager.default.fileExists(atPath: systemFile) {
      files.append(try Self.load(path: systemFile, home: home, userConfig: false, depth: 0))
    }
  }

  /// Configuration text, as if read from a user file at `path` (tests).
  public init(text: String, path: String, home: String) throws {
    files = [
      File(path: path, lines: try Self.parse(text: text, path: path, home: home, userConfig: true, depth: 0))
    ]
  }

  /// Resolves `host` as ssh does for `ssh [-l user] [-p port] host`.
  func resolve(
    host: String, user: String?, port: Int?, localUser: String, home: String, environment: [String: String]
  ) throws -> SSHHostOptions {
    var evaluation = SSHConfigEvaluation(hostArgument: host, user: user, port: port, localUser: localUser)
    for file in files {
      var active = true
      try evaluation.evaluate(file.lines, active: &active, neverMatch: false)
    }
    return try evaluation.finish(home: home, environment: environment)
  }

  // MARK: - Reading

  private static func load(path: String, home: String, userConfig: Bool, depth: Int) throws -> File {
    let text: String
    do {
      text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
      throw SSHError.configUnreadable(path: path, detail: FileProblem.reason(error, path: path))
    }
    return File(
      path: path, lines: try parse(text: text, path: path, home: home, userConfig: userConfig, depth: depth))
  }

  private static func parse(text: String, path: String, home: String, userConfig: Bool, depth: Int) throws
    -> [Line]
  {
    var lines: [Line] = []
    var number = 0
    for rawLine in text.split(
      omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    {
      number += 1
      let location = "\(path) line \(number)"
      guard let (keyword, rest) = splitKeyword(String(rawLine)) else { continue }
      guard !rest.isEmpty else {
        throw SSHError.configInvalid(source: location, detail: "no argument after keyword \"\(keyword)\"")
      }
      guard let arguments = argumentWords(rest) else {
        throw SSHError.configInvalid(source: location, detail: "invalid quotes")
      }
      switch keyword {
      case "host":
        lines.append(.host(patterns: arguments))
      case "match":
        lines.append(.match(criteria: arguments, location: location))
      case "include":
        guard depth < maximumDepth else {
          throw SSHError.configInvalid(source: location, detail: "Include nested too deeply")
        }
        var included: [[Line]] = []
        for argument in arguments {
          var pattern = argument
          if pattern.hasPrefix("~") {
            guard userConfig else {
              throw SSHError.configInvalid(source: location, detail: "bad include path \(argument)")
            }
            pattern = SSHTokens.expandTilde(pattern, home: home)
          } else if !pattern.hasPrefix("/") {
            pattern = (userConfig ? home + "/.ssh/" : "/etc/ssh/") + pattern
          }
          for file in glob(pattern) {
            included.append(try load(path: file, home: home, userConfig: userConfig, depth: depth + 1).lines)
          }
        }
        lines.append(.include(files: included))
      default:
        lines.append(.option(keyword: keyword, arguments: arguments, rest: rest, location: location))
      }
    }
    return lines
  }

  /// The lower-cased keyword and the text after it (`Key Value`, `Key=Value`, `Key = Value`);
  /// nil for blank and comment lines.
  static func splitKeyword(_ line: String) -> (String, String)? {
    var text = Substring(line)
    while let last = text.last, last == " " || last == "\t" || last == "\r" || last == "\u{0C}" {
      text = text.dropLast()
    }
    text = text.drop { $0 == " " || $0 == "\t" }
    let keyword = text.prefix { $0 != " " && $0 != "\t" && $0 != "=" }
    guard !keyword.isEmpty, !keyword.hasPrefix("#") else { return nil }
    var rest = text.dropFirst(keyword.count).drop { $0 == " " || $0 == "\t" }
    if rest.first == "=" { rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" } }
    return (keyword.lowercased(), String(rest))
  }

  /// OpenSSH's `argv_split`: words separated by blanks, `'` and `"` quotes, `\` escaping a
  /// quote, a backslash or (unquoted) a space, and a `#` starting a word ending the line.
  /// nil for an unterminated quote.
  static func argumentWords(_ text: String) -> [String]? {
    var words: [String] = []
    let characters = Array(text)
    var index = 0
    while index < characters.count {
      if characters[index] == " " || characters[index] == "\t" {
        index += 1
        continue
      }
      if characters[index] == "#" { break }
      var word = ""
      var quote: Character?
      while index < characters.count {
        let character = characters[index]
        if character == "\\", index + 1 < characters.count {
          let next = characters[index + 1]
          if next == "'" || next == "\"" || next == "\\" || (quote == nil && next == " ") {
            word.append(next)
            index += 2
            continue
          }
          word.append(character)
        } else if quote == nil, character == " " || character == "\t" {
          break
        } else if quote == nil, character == "\"" || character == "'" {
          quote = character
        } else if let open = quote, character == open {
          quote = nil
        } else {
          word.append(character)
        }
        index += 1
      }
      if quote != nil { return nil }
      words.append(word)
    }
    return words
  }

  /// Files matching a glob pattern, sorted; the pattern itself if it names a file.
  static func glob(_ pattern: String) -> [String] {
    var result = glob_t()
    defer { globfree(&result) }
    guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
    return (0..<Int(result.gl_pathc)).compactMap { index in
      result.gl_pathv[index].map { String(cString: $0) }
    }
  }

  /// ssh_config wildcard matching, `*` any run and `?` one character, case-insensitive as
  /// for host names (known_hosts, `Match host`).
  static func wildcardMatch(_ pattern: String, _ text: String) -> Bool {
    caseSensitiveMatch(pattern.lowercased(), text.lowercased())
  }

  /// OpenSSH's `match_pattern`: `*` and `?`, case-sensitive (the `Host` keyword, `Match user`).
  static func caseSensitiveMatch(_ pattern: String, _ text: String) -> Bool {
    let p = Array(pattern.unicodeScalars)
    let t = Array(text.unicodeScalars)
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

  /// OpenSSH's `match_pattern_list`: comma-separated patterns, `!` negating; 1 for a
  /// positive match, -1 for a negated one, 0 for none.
  static func matchPatternList(_ text: String, _ list: String, lowercase: Bool) -> Int {
    var positive = false
    for raw in list.split(separator: ",", omittingEmptySubsequences: false) {
      var pattern = String(raw)
      let negated = pattern.hasPrefix("!")
      if negated { pattern.removeFirst() }
      if lowercase { pattern = pattern.lowercased() }
      if caseSensitiveMatch(pattern, text) {
        if negated { return -1 }
        positive = true
      }
    }
    return positive ? 1 : 0
  }
}
