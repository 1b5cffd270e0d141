import Foundation

/// One `$ command` and what it printed.
public struct ArtifactSection: Sendable, Hashable {
  /// The command as run, without the `$ ` prefix; `nil` for text before the first command.
  public let command: String?
  /// The command's combined output, one element per line.
  public let lines: [String]

  public init(command: String?, lines: [String]) {
    self.command = command
    self.lines = lines
  }

  public var output: String { lines.joined(separator: "\n") }
}
