import Foundation
import LabPipeline
import Labs
import Remote
import Targets
import TestSupport
import Testing

/// A lab run on the built-in simulated GPU host, in-process: the lifecycle `labrun run --host
/// sim` drives (``LabRunLifecycle``), on the target `TargetSpec` opens for it, the simulated
/// tools being the built labrun, its state in a directory of its own. What labrun says on
/// stderr (notes and failures) is kept in order; the verdicts are judged again from the bundle
/// the run wrote, as `labrun verify` judges them.
///
/// The scenario tests check their claims here, side by side; a few full runs through the
/// built binary per lab stay in EndToEndTests (one PASS, one FAIL, one over a real sshd).
struct SimulatedLabRun {
  let home: TemporaryDirectory
  let outcome: RunOutcome
  /// What labrun would have said on stderr: each note and failure, one line each.
  let said: [String]
  /// The run's directory.
  let directory: URL
  /// The report judged from the written bundle (`labrun verify`).
  let verified: ValidationReport?

  /// `labrun run`'s exit status.
  var exitStatus: Int32 { outcome.exitStatus }
  /// What `labrun run` printed on stdout.
  var page: String { outcome.page ?? "" }
  /// Everything said on stderr.
  var stderr: String { said.joined(separator: "\n") }
  /// `labrun verify`'s verdict per exercise, in order.
  var verdicts: [String] { verified?.exercises.map(\.verdict.rawValue) ?? [] }

  /// The text of one artifact.
  func artifact(_ name: String) throws -> String {
    try String(contentsOf: directory.appendingPathComponent("artifacts/\(name)"), encoding: .utf8)
  }

  func remove() { home.remove() }

  /// `labrun run --host HOST --lab LAB --param …` in-process.
  static func run(lab name: String, host: String = "sim", parameters: [String] = []) async throws
    -> SimulatedLabRun
  {
    let home = try TemporaryDirectory(prefix: "labrun-sim-run")
    do {
      return try await run(lab: name, host: host, parameters: parameters, home: home)
    } catch {
      home.remove()
      throw error
    }
  }

  private static func run(lab name: String, host: String, parameters: [String], home: TemporaryDirectory)
    async throws -> SimulatedLabRun
  {
    let embedded = try #require(BuiltInLabs.named(name), "no built-in lab \(name)")
    let definition = try LabDefinition.load(from: .builtIn(embedded))
    let lab = try LabRegistry.load(definition)
    let resolved = try definition.resolve(overrides: parameters)
    let scenario = resolved["sim_scenario"]?.stringValue
    let target = try TargetSpec(parsing: host)
    try target.checkScenario(scenario)
    try lab.checkSimulatedScenario(scenario)
    let state = StateDirectory(root: home.url)
    let options = ConnectionOptions(state: state)
    let tool = try LabrunBinary().executable
    let said = SaidLines()
    let lifecycle = LabRunLifecycle(
      store: RunStore(state: state), redactor: Redactor(), progress: said.handler)
    let outcome = try await lifecycle.run(
      lab, parameters: resolved, options: LifecycleOptions(),
      open: { _, _ in
        OpenedTarget(
          transport: try await target.open(options: options, scenario: scenario, labrun: tool),
          connection: nil)
      })
    let directory = outcome.run.directory
    return SimulatedLabRun(
      home: home, outcome: outcome, said: said.lines, directory: directory,
      verified: try lifecycle.judge(directory, lab: lab))
  }
}

/// The progress events labrun says on stderr at the end of a line (notes, failures), collected.
final class SaidLines: @unchecked Sendable {
  private let lock = NSLock()
  private var storage: [String] = []

  var lines: [String] {
    lock.lock()
    defer { lock.unlock() }
    return storage
  }

  var handler: ProgressHandler {
    { [self] event in
      let line: String
      switch event {
      case .runNote(let text), .runFailed(let text): line = text
      default: return
      }
      lock.lock()
      storage.append(line)
      lock.unlock()
    }
  }
}
