import Foundation

/// `artifacts/SHA256SUMS` in `sha256sum` format: `<64 hex>  <name>` (or ` *<name>`, binary mode).
public struct ChecksumList: Sendable, Hashable {
  public static let fileName = "SHA256SUMS"
  /// The entry for run.json, relative to the artifacts directory, so that `cd artifacts &&
  /// sha256sum -c SHA256SUMS` checks run.json too (target, parameters: what the verdicts read).
  public static let runRecordName = "../run.json"

  public struct Entry: Sendable, Hashable {
    /// Lowercase hex SHA-256.
    public var digest: String
    /// File name relative to the artifacts directory.
    public var name: String

    public init(digest: String, name: String) {
      self.digest = digest
      self.name = name
    }
  }

  public var entries: [Entry]

  public init(entries: [Entry]) {
    self.entries = entries
  }

  /// Parses SHA256SUMS text.
  /// - Throws: ``EvidenceBundleError/checksumsMalformed(line:)`` for a line that is not an
  ///   entry, or one naming a path outside the artifacts directory.
  public init(text: String) throws {
    var entries: [Entry] = []
    for rawLine in text.split(whereSeparator: \.isNewline) {
      var line = String(rawLine)
      if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
      // sha256sum marks a line whose name holds `\` or a newline with a leading `\`.
      let escaped = line.hasPrefix("\\")
      if escaped { line.removeFirst() }
      let digest = String(line.prefix(64)).lowercased()
      let rest = line.dropFirst(64)
      guard digest.count == 64, digest.allSatisfy(\.isHexDigit), rest.hasPrefix(" ") else {
        throw EvidenceBundleError.checksumsMalformed(line: line)
      }
      var name = String(rest.dropFirst())
      if name.hasPrefix(" ") || name.hasPrefix("*") { name.removeFirst() }
      if name.hasPrefix("./") { name.removeFirst(2) }
      if escaped {
        name = name.replacingOccurrences(of: "\\\\", with: "\u{0}").replacingOccurrences(
          of: "\\n", with: "\n"
        )
        .replacingOccurrences(of: "\u{0}", with: "\\")
      }
      guard !name.isEmpty, name == Self.runRecordName || !name.contains("/"), name != ".", name != ".." else {
        throw EvidenceBundleError.checksumsMalformed(line: line)
      }
      entries.append(Entry(digest: digest, name: name))
    }
    self.entries = entries
  }

  /// The list for `artifacts` and, when given, run.json's bytes (as ``runRecordName``), sorted
  /// by name as `sha256sum` lists them.
  public init(artifacts: [Artifact], runRecord: Data? = nil) {
    var entries = artifacts.map { Entry(digest: $0.sha256, name: $0.name) }
    if let runRecord {
      entries.append(Entry(digest: Artifact.hexDigest(of: runRecord), name: Self.runRecordName))
    }
    self.entries = entries.sorted { $0.name < $1.name }
  }

  /// `sha256sum` text: `<digest>  <name>` per line.
  public var text: String {
    entries.map { "\($0.digest)  \($0.name)\n" }.joined()
  }
}
