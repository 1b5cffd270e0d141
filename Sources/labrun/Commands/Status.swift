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
        Terminal.output(json ? try document.json() : session.redactor.redact(document.text))
      } catch {
        throw session.failure(error)
      }
    }
  }
}
