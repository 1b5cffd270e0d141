import Foundation
import LabPipeline

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Shows pipeline progress on standard error: on a terminal, one live line per step with
/// its elapsed time (colours unless NO_COLOR is set); otherwise plain timestamped lines.
/// Standard output is left to the command's data.
final class ProgressPrinter: @unchecked Sendable {
  private let lock = NSLock()
  private let live: Bool
  private let color: Bool
  private let redactor: Redactor
  private var current: (step: StepProgress, started: ContinuousClock.Instant, waiting: String?)?
  private var ticker: Task<Void, Never>?
  private var lastWaitingLine: [String: ContinuousClock.Instant] = [:]

  init(redactor: Redactor, environment: [String: String] = ProcessInfo.processInfo.environment) {
    self.redactor = redactor
    let terminal = isatty(STDERR_FILENO) == 1 && environment["TERM"] != "dumb"
    self.live = terminal
    self.color = terminal && (environment["NO_COLOR"] ?? "").isEmpty
  }

  deinit {
    ticker?.cancel()
  }

  /// The handler to give the pipeline.
  var handler: ProgressHandler {
    { [self] event in self.handle(event) }
  }

  func handle(_ event: ProgressEvent) {
    lock.lock()
    defer { lock.unlock() }
    switch event {
    case .phaseStarted(let phase, let count):
      emit("\(phase): \(count) step\(count == 1 ? "" : "s")", symbol: nil)
    case .stepStarted(let step):
      current = (step, ContinuousClock.now, nil)
      if live {
        startTicker()
        redraw()
      } else {
        emit("\(label(step)) started", symbol: nil)
      }
    case .stepSkipped(let step, let reason):
      finishLine(
        reason.isStepWords
          ? "\(label(step)) \(reason.rawValue)" : "\(label(step)) skipped: \(reason.rawValue)",
        symbol: paint("↷", 33))
    case .stepFinished(let step, let elapsed):
      finishLine("\(label(step)) done in \(format(elapsed))", symbol: paint("✓", 32))
    case .stepRetrying(let step, let attempt, let maxAttempts, let delay, let message):
      finishLine(
        "\(label(step)) attempt \(attempt)/\(maxAttempts) failed: \(message); retrying in \(format(delay))",
        symbol: paint("↻", 33))
    case .stepFailed(let step, let elapsed, let failure):
      finishLine("\(label(step)) failed after \(format(elapsed)): \(failure.message)", symbol: paint("✗", 31))
    case .waiting(let step, let what, let elapsed):
      if live {
        if current?.step == step { current?.waiting = what }
        redraw()
      } else {
        // Plain lines: say what is awaited, then at most every 30 s, not on every poll.
        let key = "\(step.phase)/\(step.id)/\(what)"
        let now = ContinuousClock.now
        if let last = lastWaitingLine[key], now - last < .seconds(30) { break }
        lastWaitingLine[key] = now
        emit("\(label(step)) waiting for \(what) (\(format(elapsed)))", symbol: nil)
      }
    case .note(let step, let message):
      if live { clearLine() }
      emit("\(label(step)) \(message)", symbol: nil)
      if live { redraw() }
    case .phaseFinished(let phase, let elapsed):
      emit("\(phase): finished in \(format(elapsed))", symbol: nil)
    case .runNote(let message):
      endLiveLine()
      emit(message, symbol: nil)
    case .runFailed(let message):
      endLiveLine()
      FileHandle.standardError.write(Data(("labrun: error: " + redactor.redact(message) + "\n").utf8))
    }
  }

  /// A message that is not a step event (e.g. which run is used).
  func info(_ message: String) {
    lock.lock()
    defer { lock.unlock() }
    if live { clearLine() }
    emit(message, symbol: nil)
    if live, current != nil { redraw() }
  }

  /// Stops the live line.
  func stop() {
    lock.lock()
    defer { lock.unlock() }
    endLiveLine()
  }

  // MARK: - drawing (lock held)

  private func endLiveLine() {
    ticker?.cancel()
    ticker = nil
    if live, current != nil { clearLine() }
    current = nil
  }

  private func label(_ step: StepProgress) -> String {
    "\(step.phase) [\(step.index)/\(step.count)] \(step.id)"
  }

  private func startTicker() {
    guard ticker == nil else { return }
    ticker = Task { [weak self] in
      while !Task.isCancelled {
        try? await Task.sleep(for: .seconds(1))
        guard let self else { return }
        self.tick()
      }
    }
  }

  private func tick() {
    lock.lock()
    defer { lock.unlock() }
    if current != nil { redraw() }
  }

  /// Draws the live line: cut to the terminal's width (a line that wrapped could not be
  /// cleared by `\r` and erase-line, leaving a stale fragment above), then cleared the next time.
  private func redraw() {
    guard let current else { return }
    let elapsed = ContinuousClock.now - current.started
    var text = "\(label(current.step)) \(current.step.title)  \(format(elapsed))"
    if let waiting = current.waiting { text += " — waiting for \(waiting)" }
    // Two columns for "▸ ", and the last column left empty so the cursor never wraps.
    let body = Self.cut(redactor.redact(text), to: Self.terminalColumns() - 3)
    write("\r\u{1B}[2K" + paint("▸", 36) + " " + body)
  }

  /// `text` cut to `width` characters, ending in … when cut.
  static func cut(_ text: String, to width: Int) -> String {
    guard width > 1, text.count > width else { return width > 1 ? text : "" }
    return String(text.prefix(width - 1)) + "…"
  }

  /// The terminal's width in columns (standard error's), else `$COLUMNS`, else 80.
  static func terminalColumns() -> Int {
    var size = winsize()
    if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
    if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 {
      return columns
    }
    return 80
  }

  private func clearLine() {
    write("\r\u{1B}[2K")
  }

  private func finishLine(_ text: String, symbol: String) {
    if live { clearLine() }
    current = nil
    emit(text, symbol: symbol)
  }

  private func emit(_ text: String, symbol: String?) {
    let body = redactor.redact(text)
    if live {
      write((symbol.map { $0 + " " } ?? "") + body + "\n")
    } else {
      write(Self.timestamp() + " " + body + "\n")
    }
  }

  private func paint(_ text: String, _ code: Int) -> String {
    color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
  }

  private func format(_ duration: Duration) -> String {
    let seconds = duration.seconds
    if seconds < 60 { return String(format: "%.1fs", seconds) }
    return "\(Int(seconds) / 60)m\(String(format: "%02d", Int(seconds) % 60))s"
  }

  private func write(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }

  static func timestamp(_ date: Date = Date()) -> String {
    let formatter = ISO8601DateFormatter()
    return formatter.string(from: date)
  }
}

/// Writes to standard error and standard output; the only place labrun prints.
enum Terminal {
  /// One error message on standard error, redacted.
  static func error(_ error: any Error, redactor: Redactor) {
    let text = redactor.redact(String(describing: error))
    FileHandle.standardError.write(Data(("labrun: error: " + text + "\n").utf8))
  }

  /// A line on standard error.
  static func note(_ text: String, redactor: Redactor) {
    FileHandle.standardError.write(Data((redactor.redact(text) + "\n").utf8))
  }

  /// Data on standard output.
  static func output(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
  }
}
