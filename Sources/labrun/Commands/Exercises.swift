import ArgumentParser
import LabPipeline

extension Labrun {
  struct Exercises: AsyncParsableCommand, Sendable {
    static let configuration = CommandConfiguration(
      abstract: "Run the lab's exercises on a prepared target and collect their evidence.",
      discussion: """
        Acts on the current run unless --run is given, with the parameters that run recorded. \
        The target is the run's own unless --host is given.

        \(LabrunExit.help(LabrunExit.exerciseCodes))
        """)

    @OptionGroup var target: TargetArguments
    @OptionGroup var selection: RunOption

    func run() async throws {
      let session = LabSession()
      try await SignalCancellation.run { [self] in
        do {
          try session.finish(
            try await session.lifecycle.exercises(
              run: selection.run, loadLab: session.labLoader, open: session.opener(target)))
        } catch {
          throw session.failure(error)
        }
      }
    }
  }
}
