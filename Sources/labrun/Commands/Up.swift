import ArgumentParser
import LabPipeline

extension Labrun {
  struct Up: AsyncParsableCommand, Sendable {
    static let configuration = CommandConfiguration(
      abstract: "Prepare the target: preflight, install and configure everything the lab needs.",
      discussion: """
        Starts a new run (or resumes the current one if it is for the same lab and --host and \
        has not been torn down) and runs the lab's up steps. Steps whose check says the target \
        is already in shape are skipped; steps an earlier invocation finished are not repeated.

        \(LabrunExit.help(LabrunExit.phaseCodes))
        """)

    @OptionGroup var target: TargetArguments
    @OptionGroup var lab: LabArguments

    /// Escape hatch when the current run should not be resumed.
    @Flag(name: .long, help: "Start a new run even if the current run could be resumed.")
    var newRun = false

    /// Another run's ownership of the host is taken over (issue 11: one run owns a host).
    @Flag(
      name: .long,
      help: "Take the host over from the run that owns it (that run's down then leaves the host alone).")
    var breakLock = false

    func validate() throws { try target.requireHost() }

    func run() async throws {
      let session = LabSession()
      let options = LifecycleOptions(newRun: newRun, breakLock: breakLock)
      try await SignalCancellation.run { [self] in
        do {
          let (lab, parameters) = try session.loadLab(self.lab)
          try session.finish(
            try await session.lifecycle.up(
              lab, parameters: parameters, options: options, open: session.opener(target, lab: lab)))
        } catch {
          throw session.failure(error)
        }
      }
    }
  }
}
