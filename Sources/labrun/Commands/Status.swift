import ArgumentParser
import Foundation
import LabPipeline

extension Labrun {
  struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show the current run's ledger: each step's state, attempts and error.",
      discussion: LabrunExit.help(LabrunExit.stateCodes))

    @OptionGroup var selection: RunOption

    /// Machine-readable output for scripts.
    @Flag(name: .long, help: "Print run.json and ledger.json together as JSON.")
    var json = false

    func run() async throws {
      let session = LabSession()
      do {
        let document = try StatusDocument(reading: try session.state.resolveRun(selection.run))
        // run.json and ledger.json are redacted when written; the text is redacted again.
        Terminal.output(
          json
            ? String(decoding: try JSONEncoder.labrun.encode(document), as: UTF8.self) + "\n"
            : session.redactor.redact(document.text))
      } catch {
        throw session.failure(error)
      }
    }
  }
}

/// `labrun status --json`.
struct StatusDocument: Encodable {
  var directory: String
  var status: RunStatus
  var run: RunRecord
  var ledger: Ledger
}

extension StatusDocument {
  /// The run in `directory`, with the status its ledger and finish time give.
  init(reading directory: URL) throws {
    let record = try RunStore.readRecord(in: directory)
    let ledger = try RunStore.readLedger(in: directory)
    self.init(
      directory: directory.path, status: RunStatus(ledger: ledger, finished: record.finishedAt != nil),
      run: record, ledger: ledger)
  }

  /// `labrun status`: the run, then each phase's steps with state, attempts and error.
  var text: String {
    let record = run
    var text = "run \(record.runID) (\(status.rawValue))\n"
    text += "  lab     \(record.lab)\n  target  \(record.target.name) (\(record.target.kind.rawValue))\n"
    text += "  dir     \(directory)\n"
    text += "  started \(ProgressPrinter.timestamp(record.startedAt))"
    text += record.finishedAt.map { ", finished \(ProgressPrinter.timestamp($0))" } ?? ""
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
}
