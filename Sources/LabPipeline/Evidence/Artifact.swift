import Crypto
import Foundation

/// One evidence file from `artifacts/`, split into its `$ command` sections.
public struct Artifact: Sendable, Hashable {
  /// The first line of every artifact produced by the simulated GPU host.
  public static let simulatedMarker = "# SIMULATED — not captured on hardware"

  /// File name inside `artifacts/`, as the lab's catalogue names it.
  public let name: String
  /// Lowercase hex SHA-256 of the file's bytes.
  public let sha256: String
  /// The file as text (invalid UTF-8 replaced).
  public let text: String
  /// Whether the file begins with ``simulatedMarker``.
  public let isSimulated: Bool
  /// The `$ command` sections, in file order.
  public let sections: [ArtifactSection]

  public init(name: String, data: Data) {
    self.name = name
    self.sha256 = Self.hexDigest(of: data)
    let text = String(decoding: data, as: UTF8.self)
    self.text = text
    // `isNewline` splits on LF, CRLF (one Character in Swift) and CR alike; terminal colour
    // codes (`grep --color`, `kubectl` in a terminal) are not part of what a command said.
    var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
      .map { Self.withoutTerminalCodes(String($0)) }
    let simulated =
      lines.first.map { $0.trimmingCharacters(in: .whitespaces) == Self.simulatedMarker } ?? false
    if simulated { lines.removeFirst() }
    self.isSimulated = simulated
    self.sections = Self.split(lines)
  }

  /// `line` without ANSI escape sequences (CSI `ESC [ … letter`, OSC `ESC ] … BEL`, lone ESC).
  public static func withoutTerminalCodes(_ line: String) -> String {
    guard line.contains("\u{1B}") else { return line }
    return line.replacing(#/\x1B\[[0-9;?]*[ -\/]*[@-~]|\x1B\][^\x07\x1B]*(?:\x07|\x1B\\)|\x1B/#, with: "")
  }

  /// The first 12 hex digits of ``sha256``, as cited on the page.
  public var shortDigest: String { String(sha256.prefix(12)) }

  /// Every output line of every section (commands excluded).
  public var outputLines: [String] { sections.flatMap(\.lines) }

  /// Lowercase hex SHA-256 of `data`.
  public static func hexDigest(of data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
  }

  /// Splits lines into sections: a line starting with `$ ` opens one; the blank line after it
  /// is dropped; text before the first command forms a section with no command.
  static func split(_ lines: [String]) -> [ArtifactSection] {
    var sections: [ArtifactSection] = []
    var command: String?
    var body: [String] = []
    var skipBlank = false
    func flush() {
      while let last = body.last, last.trimmingCharacters(in: .whitespaces).isEmpty { body.removeLast() }
      if command != nil || !body.isEmpty { sections.append(ArtifactSection(command: command, lines: body)) }
      body = []
    }
    for line in lines {
      if line.hasPrefix("$ ") {
        flush()
        command = String(line.dropFirst(2))
        skipBlank = true
        continue
      }
      if skipBlank {
        skipBlank = false
        if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
      }
      body.append(line)
    }
    flush()
    return sections
  }
}
