import ArgumentParser
import Foundation
import LabPipeline

/// labrun: provision a GPU VM, run the HAMi isolation exercises, verify the evidence.
///
/// Also the simulated host's tools: run as `nvidia-smi`, `kubectl`, … (links on the simulated
/// host's PATH), it answers as that tool instead (``SimulatedCommand``).
@main
struct Labrun: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "labrun",
    abstract: "Turn the HAMi GPU-sharing lab into one reproducible, verified pipeline.",
    discussion: """
      Typical use:
        labrun up --host gpu-vm
        labrun exercises
        labrun report > validation.md
        labrun down

      \(LabrunExit.help)
      """,
    version: BuildCommit.version,
    subcommands: [
      Up.self, Exercises.self, Report.self, Down.self, Run.self, Plan.self, Status.self, Runs.self,
      Verify.self, BundleCommand.self, Ping.self, LabsCommand.self,
    ]
  )

  static func main() async {
    SimulatedCommand.runIfCalledAsOne()
    await main(nil)
  }
}
