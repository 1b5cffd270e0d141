import Foundation

/// The MPS control daemon's log (`control.log` in `CUDA_MPS_LOG_DIRECTORY`), one line per event:
///
///     [2026-12-07 15:22:48.231 Control  2309] Starting control daemon using socket /tmp/tmp.8TRHKnIuim/control
///     [2026-12-07 15:22:49.239 Control  2309] NEW CLIENT 2312 from user 0: Server is not ready, push client to pending list
///     [2026-12-07 15:22:49.239 Control  2314] Starting new server 2314 for user 0
///
/// (as captured on an H100, driver 580). Lines of other shapes are kept but not interpreted.
struct MPSControlLog: Sendable, Hashable {
  /// One `[date time Source pid] message` line.
  struct Entry: Sendable, Hashable {
    var source: String
    var pid: Int
    var message: String
    var line: String
  }

  var entries: [Entry]

  /// Parses `lines`; nil when none is a control log line.
  init?(lines: [String]) {
    let pattern = #/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?\s+(\w+)\s+(\d+)\]\s?(.*)$/#
    entries = lines.compactMap { line in
      guard let match = line.firstMatch(of: pattern), let pid = Int(match.output.2) else { return nil }
      return Entry(source: String(match.output.1), pid: pid, message: String(match.output.3), line: line)
    }
    if entries.isEmpty { return nil }
  }

  /// The lines that say a daemon started and where its socket is, in order. The log is appended
  /// to: a start that failed (and a daemon that failed to answer) stays ahead of the next one.
  var startLines: [Entry] { entries.filter { $0.message.hasPrefix("Starting control daemon using socket ") } }

  /// The line of the latest start: the daemon that serves.
  var startLine: Entry? { startLines.last }

  /// The serving control daemon's pid (the pid of the latest start line).
  var controlPID: Int? { startLine?.pid }

  /// Every control daemon this log saw start, for a teardown that must show none is left.
  var controlPIDs: [Int] { startLines.map(\.pid) }

  /// The socket the daemon listens on (`…/control` inside `CUDA_MPS_PIPE_DIRECTORY`).
  var socket: String? {
    startLine.map { String($0.message.dropFirst("Starting control daemon using socket ".count)) }
  }

  /// The servers the daemon started (`Starting new server N for user U`), in order.
  var serverPIDs: [Int] {
    entries.compactMap { entry in
      entry.message.firstMatch(of: #/^Starting new server (\d+) for user/#).flatMap { Int($0.output.1) }
    }
  }

  /// The clients that connected (`NEW CLIENT N from user U…`), in order.
  var clientPIDs: [Int] {
    entries.compactMap { entry in
      entry.message.firstMatch(of: #/^NEW CLIENT (\d+) from user/#).flatMap { Int($0.output.1) }
    }
  }
}
