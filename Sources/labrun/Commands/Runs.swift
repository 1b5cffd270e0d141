import ArgumentParser
import Foundation
import LabPipeline

extension Labrun {
  struct Runs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "List the runs in the state directory (.labrun/ or $LABRUN_HOME), oldest first.",
      discussion: LabrunExit.help(LabrunExit.stateCodes))

    /// Machine-readable output for scripts.
    @Flag(name: .long, help: "Print the list as JSON.")
    var json = false

    func run() async throws {
      let session = LabSession()
      do {
        let runs = try session.store.list()
        if json {
          let data = try JSONEncoder.labrun.encode(runs)
          // run.json and ledger.json are redacted when written.
          Terminal.output(String(decoding: data, as: UTF8.self) + "\n")
          return
        }
        if runs.isEmpty {
          Terminal.note(
            "no runs in \(session.state.runsDirectory.path); start one with `labrun up --host HOST`",
            redactor: session.redactor)
          return
        }
        Terminal.output(session.redactor.redact(RunSummary.text(runs)))
      } catch {
        throw session.failure(error)
      }
    }
  }
}

extension RunSummary {
  /// `labrun runs`: one line per run, `*` marking the current one.
  static func text(_ runs: [RunSummary]) -> String {
    var text = ""
    for run in runs {
      let marker = run.isCurrent ? "*" : " "
      let lab = run.record?.lab ?? "?"
      let target = run.record?.target.name ?? "?"
      text +=
        "\(marker) \(run.id)  \(run.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))"
      text += "  \(lab) on \(target)"
      if let problem = run.problem { text += "  (\(problem))" }
      text += "\n"
    }
    return text
  }
}
