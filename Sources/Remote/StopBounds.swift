/// How long labrun waits, at each stage, to stop a command that timed out or was cancelled
/// (``ExecOperation``): for the wrapper's pid line (without it there is nothing to kill), for
/// the remote kill of its process group (TERM, then KILL after 5 s), then for the channel to
/// close once it is closed by force. A host that stops answering mid-command spends each in
/// turn before its connection is given up and replaced.
public struct StopBounds: Sendable, Equatable {
  public var pidLine: Duration
  public var kill: Duration
  public var close: Duration

  public init(pidLine: Duration, kill: Duration, close: Duration) {
    self.pidLine = pidLine
    self.kill = kill
    self.close = close
  }

  /// labrun's: 5 s, 15 s (the kill's own 5 s between TERM and KILL, and a round trip on a slow
  /// link), 10 s.
  public static let standard = StopBounds(pidLine: .seconds(5), kill: .seconds(15), close: .seconds(10))
}
