import Foundation

/// What a fleet's progress display knows: each host's phase, step and when it started, in
/// the fleet's order. Pure (times are passed in), so the lines it draws are tested as text.
public struct FleetProgressBoard: Sendable, Hashable {
  /// One host's line.
  public struct Row: Sendable, Hashable {
    public var host: String
    /// `up [3/12] install-k3s`, or what the host is doing between steps.
    public var activity: String = "waiting for a free slot"
    /// When the host started (seconds on the display's clock); nil while it waits.
    public var started: Double?
    /// Set once the host's run ended: its outcome in words.
    public var ended: String?
    public var endedAt: Double?
  }

  public private(set) var rows: [Row]

  public init(hosts: [String]) {
    rows = hosts.map { Row(host: $0) }
  }

  /// The host starts working (its slot came free).
  public mutating func start(_ host: String, at now: Double) {
    change(host) {
      $0.started = now
      $0.activity = "connecting"
    }
  }

  /// A pipeline event of `host`'s run (its first starts the host's clock).
  public mutating func apply(_ event: ProgressEvent, host: String, at now: Double) {
    change(host) { row in
      if row.started == nil { row.started = now }
    }
    let activity: String?
    switch event {
    case .phaseStarted(let phase, _): activity = "\(phase)"
    case .stepStarted(let step): activity = Self.label(step)
    case .waiting(let step, let what, _): activity = "\(Self.label(step)) waiting for \(what)"
    case .stepRetrying(let step, let attempt, let max, _, _):
      activity = "\(Self.label(step)) retry \(attempt)/\(max)"
    case .stepFailed(let step, _, _): activity = "\(Self.label(step)) failed"
    case .runFailed: activity = "failed"
    default: activity = nil
    }
    guard let activity else { return }
    change(host) { $0.activity = activity }
  }

  /// The host's run ended.
  public mutating func finish(_ host: String, outcome: String, at now: Double) {
    change(host) {
      $0.ended = outcome
      $0.endedAt = now
    }
  }

  private mutating func change(_ host: String, _ body: (inout Row) -> Void) {
    guard let index = rows.firstIndex(where: { $0.host == host }) else { return }
    body(&rows[index])
  }

  /// `up [3/12] install-k3s`.
  public static func label(_ step: StepProgress) -> String {
    "\(step.phase) [\(step.index)/\(step.count)] \(step.id)"
  }

  /// The live display: one line per host (`gpu-07  up [3/12] install-k3s  12s`) and a
  /// summary line, each cut to `width` columns (a wrapped line could not be redrawn in place).
  public func frame(width: Int, now: Double) -> [String] {
    let nameWidth = min(rows.map(\.host.count).max() ?? 0, max(8, width / 3))
    var lines = rows.map { row -> String in
      let name = row.host.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
      let text: String
      if let ended = row.ended {
        text = "\(name)  \(ended)  \(Self.format((row.endedAt ?? now) - (row.started ?? now)))"
      } else if let started = row.started {
        text = "\(name)  \(row.activity)  \(Self.format(now - started))"
      } else {
        text = "\(name)  \(row.activity)"
      }
      return Self.cut(text, to: width)
    }
    lines.append(Self.cut(summary, to: width))
    return lines
  }

  /// `8 hosts: 3 running · 2 done · 3 waiting`.
  public var summary: String {
    let done = rows.filter { $0.ended != nil }.count
    let running = rows.filter { $0.ended == nil && $0.started != nil }.count
    let waiting = rows.count - done - running
    return "\(rows.count) hosts: \(running) running · \(done) done · \(waiting) waiting"
  }

  /// `text` cut to `width` characters, ending in … when cut.
  public static func cut(_ text: String, to width: Int) -> String {
    guard width > 1 else { return "" }
    guard text.count > width else { return text }
    return String(text.prefix(width - 1)) + "…"
  }

  /// `12s`, `3m05s`.
  public static func format(_ seconds: Double) -> String {
    let whole = max(0, Int(seconds))
    return whole < 60 ? "\(whole)s" : "\(whole / 60)m\(String(format: "%02d", whole % 60))s"
  }
}
