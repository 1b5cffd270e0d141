/// What a planned command is fed on its standard input (a manifest for `kubectl apply -f -`,
/// the owner file for `tee`), shown beside it by `labrun plan`, redacted like the transcript.
public struct PlannedInput: Sendable, Hashable, Codable {
  /// The command it feeds: its index in ``PlannedStep/commands``.
  public var command: Int
  /// The bytes as text.
  public var stdin: String

  public init(command: Int, stdin: String) {
    self.command = command
    self.stdin = stdin
  }
}
