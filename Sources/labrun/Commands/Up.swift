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
      try await SignalCancellation.run { [self] in try await execute(session) }
    }

    private func execute(_ session: LabSession) async throws {
      do {
        let (lab, parameters) = try session.loadLab(self.lab)
        let transport = try await session.openTransport(target, parameters: parameters)
        let run = try await session.startOrResume(
          lab: lab, parameters: parameters, overrides: self.lab.parameters, target: await transport.target,
          newRun: newRun)
        if breakLock { try await run.recordParameter("break_lock", .bool(true)) }
        do {
          try await session.recordTarget(of: transport, in: run, arguments: target)
          try await session.runPhase(.up, lab: lab, run: run, transport: transport, given: parameters.given)
        } catch {
          await transport.close()
          throw error
        }
        await transport.close()
      } catch {
        throw session.failure(error)
      }
    }
  }
}
