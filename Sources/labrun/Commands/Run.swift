import ArgumentParser
import Foundation
import LabPipeline
import Labs

extension Labrun {
  struct Run: AsyncParsableCommand, Sendable {
    static let configuration = CommandConfiguration(
      abstract: "up, exercises, report and down in one go; teardown runs even after a failure unless --keep.",
      discussion: """
        Resumes the newest unfinished run of this lab and --host (one whose exercises have not \
        completed: a step failed or was interrupted), else starts a new run; --new-run always \
        starts a new one. A resumed run that was torn down after its failure starts every step \
        again from its check. If up or exercises fails, down still runs (unless --keep) and the \
        exit status is the first failure's. When the exercises completed, their verdicts are said \
        on standard error and decide the exit status (0, 5 or 6).

        \(LabrunExit.help(LabrunExit.exerciseCodes))
        """)

    @OptionGroup var target: TargetArguments
    @OptionGroup var lab: LabArguments

    /// Leave the lab installed, e.g. to look around after a failure.
    @Flag(name: .long, help: "Do not tear down at the end (also after a failure).")
    var keep = false

    /// Escape hatch when the unfinished run should not be resumed.
    @Flag(
      name: .long, help: "Start a new run even if an unfinished run of this lab and host could be resumed.")
    var newRun = false

    /// Recorded for the down steps like `labrun down --purge`.
    @Flag(name: .long, help: "Tear down with --purge (uninstall what up installed system-wide).")
    var purge = false

    func validate() throws { try target.requireHost() }

    func run() async throws {
      let session = LabSession()
      try await SignalCancellation.run { [self] in try await execute(session) }
    }

    private func execute(_ session: LabSession) async throws {
      let lab: LoadedLab
      let parameters: Parameters
      let transport: any Transport
      let run: RunDirectory
      do {
        (lab, parameters) = try session.loadLab(self.lab)
        transport = try await session.openTransport(target, parameters: parameters)
        run = try await session.startOrResume(
          lab: lab, parameters: parameters, overrides: self.lab.parameters, target: await transport.target,
          newRun: newRun, fullRun: true)
        try await session.recordTarget(of: transport, in: run, arguments: target)
      } catch {
        throw session.failure(error)
      }
      var firstFailure: (any Error)?
      var report: ValidationReport?
      do {
        try await session.runPhase(.up, lab: lab, run: run, transport: transport, given: parameters.given)
        try await session.runPhase(.exercises, lab: lab, run: run, transport: transport)
        report = try await writeReport(of: run, session: session)
      } catch {
        firstFailure = session.failure(error)
      }
      if Task.isCancelled {
        session.printer.info(
          "interrupted: not tearing down; run the same command again to resume (it tears down at the end), "
            + "or `labrun down`")
      } else if keep {
        session.printer.info("--keep: leaving the lab in place; tear down later with `labrun down`")
      } else {
        if firstFailure != nil { session.printer.info("tearing down after the failure above") }
        do {
          try await run.recordParameter("purge", .bool(purge))
          try await session.runPhase(.down, lab: lab, run: run, transport: transport)
          try await run.setFinished(Date())
        } catch {
          let failure = session.failure(error)
          if firstFailure == nil { firstFailure = failure }
        }
      }
      await transport.close()
      if let report { session.sayVerdicts(report) }
      // A step that failed (1) says more than the verdicts: a rerun is needed.
      if let firstFailure { throw firstFailure }
      if let report, report.exercisesExitCode != 0 { throw ExitCode(report.exercisesExitCode) }
    }

    /// Verifies the run's evidence and writes the page to the run directory (validation.md)
    /// and to standard output; a lab without a validation page (selftest) has no report.
    private func writeReport(of run: RunDirectory, session: LabSession) async throws -> ValidationReport? {
      guard let report = try await session.judge(run) else {
        session.printer.info("lab \(await run.runRecord.lab) has no validation page; skipping the report")
        return nil
      }
      let page = ValidationPageRenderer.markdown(report)
      let file = run.directory.appendingPathComponent("validation.md")
      try Data(page.utf8).write(to: file, options: .atomic)
      session.printer.info("validation page written to \(file.path)")
      StandardOutput.write(page)
      return report
    }
  }
}
