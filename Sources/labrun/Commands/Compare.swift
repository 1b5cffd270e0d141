import ArgumentParser
import Foundation
import LabPipeline
import Labs

extension Labrun {
  struct Compare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Set two or more runs side by side, every cell cited.",
      discussion: """
        One column per run (lab and mechanism, GPU, driver, date, status), one row per measured \
        property; each cell cites its run's artifacts by run id, artifact name and SHA-256, so the \
        page is the same wherever the bundles lie and in whatever order they are named. A property \
        a run's lab does not measure reads "not measured". Each run is verified first: only a run \
        whose evidence cannot be read or was altered is refused (exit 4, as `labrun verify`); \
        FAILED, INCOMPLETE and SIMULATED runs are compared. Works offline on bundles.
        """)

    @Argument(help: ArgumentHelp("Runs: run ids, run directories or bundle .tar.gz files.", valueName: "run"))
    var runs: [String] = []

    @Flag(name: .customLong("json"), help: "Print the comparison as JSON.")
    var json = false

    func run() async throws {
      let (specs, json) = (runs, self.json)
      let page = try await BlockingWork.run { () throws -> String in
        let comparison = try RunComparison.load(specs, stateDirectory: StateDirectory())
        return json ? try comparison.json() : comparison.markdown
      }
      StandardOutput.write(page)
    }
  }
}
