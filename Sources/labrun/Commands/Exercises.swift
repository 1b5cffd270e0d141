import ArgumentParser
import Foundation
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
      try await SignalCancellation.run { [self] in try await execute(session) }
    }

    private func execute(_ session: LabSession) async throws {
      let report: ValidationReport?
      do {
        report = try await PhaseCommand.run(
          .exercises, session: session, target: target, runSpec: selection.run)
      } catch {
        throw session.failure(error)
      }
      if let report, report.exercisesExitCode != 0 { throw ExitCode(report.exercisesExitCode) }
    }
  }
}

/// exercises and down: open an existing run, its lab and its target, run one phase.
enum PhaseCommand {
  /// Runs `phase`; after the exercises phase, says the verdicts and returns them (nil for a
  /// lab without checks, and for other phases).
  @discardableResult
  static func run(
    _ phase: Phase, session: LabSession, target: TargetArguments, runSpec: String?,
    extraParameters: [String: RecordedValue] = [:]
  ) async throws -> ValidationReport? {
    let run = try session.store.open(spec: runSpec, redactor: session.redactor)
    try await run.lock()
    let record = await run.runRecord
    session.printer.info("run \(record.runID) (\(run.directory.path))")
    let lab = try session.loadLab(for: record)
    try await session.recordMissingDefaults(of: lab, in: run)
    if phase == .exercises, !lab.steps(for: .up).isEmpty, !(await run.currentLedger).isComplete(.up) {
      throw RunSelectionError.phaseIncomplete(run: record.runID, phase: .up)
    }
    for (name, value) in extraParameters { try await run.recordParameter(name, value) }
    // The run's own -F and --identity unless given again here.
    let target = target.reusing(record.connection)
    let transport = try await session.openTransport(
      target, runTarget: record.target.name, parameters: Parameters(record.parameters))
    do {
      try await session.recordTarget(of: transport, in: run, arguments: target)
      try await session.runPhase(phase, lab: lab, run: run, transport: transport)
      if phase == .down { try await run.setFinished(Date()) }
    } catch {
      await transport.close()
      throw error
    }
    await transport.close()
    guard phase == .exercises, let report = try await session.judge(run) else { return nil }
    session.sayVerdicts(report)
    return report
  }
}
