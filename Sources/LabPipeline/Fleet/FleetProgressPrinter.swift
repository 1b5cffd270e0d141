import Foundation

/// Shows a fleet's progress: on a terminal, the board redrawn in place (one line per host and
/// a summary, cut to the width); otherwise one line per event prefixed with its host
/// (`[gpu-07] up [3/12] install-k3s started`), each handed to `sink` whole, so lines of hosts
/// working at once never interleave within a line. Thread-safe: every host's task calls it.
public final class FleetProgressPrinter: @unchecked Sendable {
  private let lock = NSLock()
  private let live: Bool
  private let width: @Sendable () -> Int
  private let sink: @Sendable (String) -> Void
  private let redactor: Redactor
  private let clock: @Sendable () -> Double
  private var board: FleetProgressBoard
  private var drawn = 0
  /// Set by ``stop()``: the board is final and is never drawn again.
  private var stopped = false

  /// `sink` receives complete lines (one or several, each ending in a newline); `clock` gives
  /// seconds, by default the monotonic clock.
  public init(
    hosts: [String], live: Bool, redactor: Redactor = Redactor(),
    width: @escaping @Sendable () -> Int = { 80 },
    clock: @escaping @Sendable () -> Double = { ProcessInfo.processInfo.systemUptime },
    sink: @escaping @Sendable (String) -> Void
  ) {
    board = FleetProgressBoard(hosts: hosts)
    self.live = live
    self.width = width
    self.clock = clock
    self.sink = sink
    self.redactor = redactor
  }

  /// The handler for one host's pipeline.
  public func handler(for host: String) -> ProgressHandler {
    { [self] event in self.handle(event, host: host) }
  }

  public func started(_ host: String) {
    update(host, line: "started") { $0.start(host, at: clock()) }
  }

  public func handle(_ event: ProgressEvent, host: String) {
    let now = clock()
    update(host, line: Self.plain(event)) { $0.apply(event, host: host, at: now) }
  }

  /// A line that is not a step event (which run the host resumes, what stopped it).
  public func info(_ host: String, _ message: String) {
    update(host, line: message) { _ in }
  }

  public func finished(_ host: String, outcome: String) {
    update(host, line: "finished: \(outcome)") { $0.finish(host, outcome: outcome, at: clock()) }
  }

  /// Redraws the live board (a ticker calls it every second for the elapsed times).
  public func redraw() {
    lock.lock()
    defer { lock.unlock() }
    if live, !stopped { draw() }
  }

  /// Leaves the board as it was last drawn: what is written to the terminal after this comes
  /// below it, and no late redraw (a ticker's last tick) moves up over those lines.
  public func stop() {
    lock.lock()
    defer { lock.unlock() }
    stopped = true
  }

  private func update(_ host: String, line: String?, _ change: (inout FleetProgressBoard) -> Void) {
    lock.lock()
    defer { lock.unlock() }
    change(&board)
    if live {
      if !stopped { draw() }
    } else if let line {
      sink(
        line.split(separator: "\n", omittingEmptySubsequences: false)
          .map { "[\(host)] \(redactor.redact(String($0)))\n" }.joined())
    }
  }

  /// Moves up over the previous frame and writes the new one, line by line erased first;
  /// the last column stays empty so the cursor never wraps.
  private func draw() {
    let lines = board.frame(width: max(2, width() - 1), now: clock()).map(redactor.redact)
    var out = drawn > 0 ? "\u{1B}[\(drawn)A" : ""
    for line in lines { out += "\r\u{1B}[2K" + line + "\n" }
    drawn = lines.count
    sink(out)
  }

  /// A plain line for an event, nil for events the board alone shows.
  static func plain(_ event: ProgressEvent) -> String? {
    switch event {
    case .phaseStarted(let phase, let count): return "\(phase): \(count) step\(count == 1 ? "" : "s")"
    case .stepStarted(let step): return "\(FleetProgressBoard.label(step)) started"
    case .stepSkipped(let step, let reason):
      return "\(FleetProgressBoard.label(step)) "
        + (reason.isStepWords ? reason.rawValue : "skipped: \(reason.rawValue)")
    case .stepFinished(let step, let elapsed):
      return "\(FleetProgressBoard.label(step)) done in \(FleetProgressBoard.format(elapsed.seconds))"
    case .stepRetrying(let step, let attempt, let max, _, let message):
      return "\(FleetProgressBoard.label(step)) attempt \(attempt)/\(max) failed: \(message)"
    case .stepFailed(let step, _, let failure):
      return "\(FleetProgressBoard.label(step)) failed: \(failure.message)"
    case .waiting: return nil
    case .note(let step, let message): return "\(FleetProgressBoard.label(step)) \(message)"
    case .phaseFinished(let phase, let elapsed):
      return "\(phase): finished in \(FleetProgressBoard.format(elapsed.seconds))"
    case .runNote(let message): return message
    case .runFailed(let message): return "error: \(message)"
    }
  }
}
