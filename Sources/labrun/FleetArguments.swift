import ArgumentParser
import LabPipeline

/// `--parallel`: how many hosts of a fleet work at once (up, exercises, down, run).
struct FleetArguments: ParsableArguments, Sendable {
  /// Bounds the SSH sessions open at once (``LabPipeline/FleetRunner/defaultParallel``).
  @Option(
    name: .long,
    help: ArgumentHelp(
      "With several hosts: how many work at once (default \(FleetRunner.defaultParallel)).", valueName: "n"))
  var parallel = FleetRunner.defaultParallel

  func validate() throws {
    guard parallel >= 1 else { throw ValidationError("--parallel must be at least 1") }
  }
}
