import Foundation

/// `labrun status`: a run's record and ledger, as text or JSON (`--json`).
public struct StatusDocument: Encodable, Sendable {
  public var directory: String
  public var status: RunStatus
  public var run: RunRecord
  public var ledger: Ledger
}

extension StatusDocument {
  /// The run in `directory`, with the status its ledger and finish time give.
  public init(reading directory: URL) throws {
    let record = try RunStore.readRecord(in: directory)
    let ledger = try RunStore.readLedger(in: directory)
    self.init(
      directory: directory.path, status: RunStatus(ledger: ledger, finished: record.finishedAt != nil),
      run: record, ledger: ledger)
  }

  /// `labrun status`: the run, then each phase's steps with state, attempts and error.
  public var text: String {
    let record = run
    var text = "run \(record.runID) (\(status.rawValue))\n"
    text += "  lab     \(record.lab)\n  target  \(record.target.name) (\(record.target.kind.rawValue))\n"
    text += "  dir     \(directory)\n"
    text += "  started \(Self.timestamp(record.startedAt))"
    text += record.finishedAt.map { ", finished \(Self.timestamp($0))" } ?? ""
    text += "\n"
    for phase in Phase.allCases {
      let entries = ledger.entries(of: phase)
      guard !entries.isEmpty else { continue }
      text += "\n\(phase):\n"
      for entry in entries {
        let attempts = entry.attempts > 1 ? " (\(entry.attempts) attempts)" : ""
        text += "  \(entry.state.rawValue.padding(toLength: 26, withPad: " ", startingAt: 0))"
        text += "\(entry.stepID): \(entry.title)\(attempts)\n"
        if let error = entry.error, entry.state == .failed || entry.state == .running {
          text += "      error: \(error.message)\n"
          if let command = error.command { text += "      command: \(command)\n" }
          if let tail = error.outputTail, !tail.isEmpty {
            text += "      output (last lines):\n"
            text +=
              tail.split(separator: "\n", omittingEmptySubsequences: false).suffix(10)
              .map { "        " + $0 }.joined(separator: "\n") + "\n"
          }
        }
      }
    }
    return text
  }

  /// `--json`: run.json and ledger.json together.
  public func json() throws -> String {
    String(decoding: try JSONEncoder.labrun.encode(self), as: UTF8.self) + "\n"
  }

  static func timestamp(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}
