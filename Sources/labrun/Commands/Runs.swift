import ArgumentParser
import Foundation
import LabPipeline

extension Labrun {
  struct Runs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract:
        "List the runs in the state directory (.labrun/ or $LABRUN_HOME), oldest first, and its fleets.",
      discussion: """
        One line per run (`*` marks the current one; a fleet's host run names its fleet in \
        brackets), then one per fleet: its id, finished or unfinished, lab, hosts and last exit \
        status. --json prints {"runs": [...], "fleets": [...]}.

        \(LabrunExit.help(LabrunExit.stateCodes))
        """)

    /// Machine-readable output for scripts.
    @Flag(name: .long, help: "Print the list as JSON.")
    var json = false

    func run() async throws {
      let session = LabSession()
      do {
        let listing = try StateListing(store: session.store)
        guard json || !listing.isEmpty else {
          let runs = session.state.runsDirectory.path
          return Terminal.note(
            "no runs in \(runs); start one with `labrun up --host HOST`", redactor: session.redactor)
        }
        // run.json and ledger.json are redacted when written; the text is redacted again.
        Terminal.output(json ? try listing.json() : session.redactor.redact(listing.text))
      } catch {
        throw session.failure(error)
      }
    }
  }
}
