import Foundation

/// `--hosts FILE`: the fleet's targets, one a line, each as `--host` takes it, optionally
/// followed by that host's own parameters (`key=value`, values quoted as a POSIX shell word,
/// like Ansible's host variables); `#` starts a comment, blank lines are skipped.
///
/// ```
/// # rack 3
/// sim/gpu-01
/// sim:h100-80gb/gpu-02 sim_scenario=runtime-runc
/// ubuntu@203.0.113.7:2222 provider='Hyperstack (NL)'
/// ```
///
/// The whole file is checked before anything starts: a malformed line is refused with its line
/// and column, and so is a host named twice (two runs would claim one machine).
public struct HostsFile: Sendable, Hashable {
  /// One line's target and its parameters, in the order written.
  public struct Entry: Sendable, Hashable {
    public var target: TargetSpec
    /// `key=value` pairs as written on the line, values unquoted.
    public var parameters: [Parameter]
    /// The 1-based line the entry is on.
    public var line: Int

    /// The parameters as `--param` takes them (`key=value`).
    public var parameterArguments: [String] { parameters.map { "\($0.key)=\($0.value)" } }
  }

  /// One `key=value` on a line.
  public struct Parameter: Sendable, Hashable {
    public var key: String
    public var value: String
  }

  public var entries: [Entry]

  /// Reads and parses `url`.
  /// - Throws: ``HostsFileError``.
  public init(contentsOf url: URL) throws {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw HostsFileError.unreadable(path: url.path)
    }
    guard let text = String(data: data, encoding: .utf8) else {
      throw HostsFileError.notText(path: url.path)
    }
    try self.init(parsing: text, path: url.path)
  }

  /// Parses a hosts file's text; `path` names it in errors.
  /// - Throws: ``HostsFileError/malformed(path:line:column:reason:)`` or
  ///   ``HostsFileError/empty(path:)``.
  public init(parsing text: String, path: String) throws {
    var entries: [Entry] = []
    var firstLine: [String: Int] = [:]
    for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let number = offset + 1
      let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
      func malformed(_ column: Int, _ reason: String) -> HostsFileError {
        .malformed(path: path, line: number, column: column, reason: reason)
      }
      let words: [ShellWordLexer.Word]
      do {
        words = try ShellWordLexer.words(line)
      } catch {
        throw malformed(error.column, error.reason)
      }
      guard let head = words.first else { continue }
      let target: TargetSpec
      do {
        target = try TargetSpec(parsing: head.text)
      } catch {
        throw malformed(head.column, "\(error)")
      }
      if let earlier = firstLine[target.name] {
        throw malformed(head.column, "\(target.name) is already on line \(earlier); list each host once")
      }
      firstLine[target.name] = number
      var parameters: [Parameter] = []
      for word in words.dropFirst() {
        let parameter = try Self.parameter(word, malformed: malformed)
        if parameters.contains(where: { $0.key == parameter.key }) {
          throw malformed(word.column, "\(parameter.key) is given twice on this line; keep one")
        }
        parameters.append(parameter)
      }
      entries.append(Entry(target: target, parameters: parameters, line: number))
    }
    guard !entries.isEmpty else { throw HostsFileError.empty(path: path) }
    self.entries = entries
  }

  /// `key=value`, the key a parameter name (letters, digits, `_`, not starting with a digit).
  private static func parameter(
    _ word: ShellWordLexer.Word, malformed: (Int, String) -> HostsFileError
  ) throws -> Parameter {
    guard let equals = word.text.firstIndex(of: "=") else {
      throw malformed(
        word.column, "'\(word.text)' is not key=value; put one host per line, its parameters after it")
    }
    let key = String(word.text[..<equals])
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
    guard let first = key.first, !first.isNumber, key.allSatisfy(allowed.contains) else {
      throw malformed(
        word.column, "'\(key)' is not a parameter name (letters, digits and '_'; see `labrun labs show`)")
    }
    return Parameter(key: key, value: String(word.text[word.text.index(after: equals)...]))
  }
}
