import ArgumentParser
import LabPipeline

extension Labrun {
  struct Down: AsyncParsableCommand, Sendable {
    static let configuration = CommandConfiguration(
      abstract: "Tear the lab down on the target and verify nothing is left.",
      discussion: """
        Acts on the current run unless --run is given. --purge is recorded in run.json as the \
        parameter `purge` for the lab's down steps.

        \(LabrunExit.help(LabrunExit.phaseCodes))
        """)

    @OptionGroup var target: TargetArguments
    @OptionGroup var selection: RunOption

    /// Also remove what up installed system-wide (the lab's down steps decide what that is).
    @Flag(
      name: .long, help: "Also uninstall what up installed system-wide (e.g. k3s and the container toolkit).")
    var purge = false

    func run() async throws {
      let session = LabSession()
      try await SignalCancellation.run { [self] in try await execute(session) }
    }

    private func execute(_ session: LabSession) async throws {
      do {
        try await PhaseCommand.run(
          .down, session: session, target: target, runSpec: selection.run,
          extraParameters: ["purge": .bool(purge)])
      } catch {
        throw session.failure(error)
      }
    }
  }
}
