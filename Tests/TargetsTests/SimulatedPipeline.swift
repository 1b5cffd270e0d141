import Foundation
import LabPipeline
import Remote
import TestSupport
import Testing

@testable import LabSim
@testable import Labs
@testable import Targets

/// One simulated host (`sim`) and a run of `lab` on it, whose phases' steps a test runs one
/// phase or a few steps at a time through the engine's ``Pipeline``.
struct SimulatedPipeline {
  let home: TemporaryDirectory
  let run: RunDirectory
  let pipeline: Pipeline
  let phases: LabPhases
  /// The simulated host's model.
  let store: SimStore

  /// A new run of `lab`, on the simulated host of `home` when given (a fresh one otherwise).
  init(lab name: String, parameters: [String] = [], home: TemporaryDirectory? = nil) async throws {
    self.home = try home ?? TemporaryDirectory(prefix: "labrun-rerun")
    let state = StateDirectory(root: self.home.url)
    let target = try TargetSpec(parsing: "sim")
    let transport = try await target.open(
      options: ConnectionOptions(state: state), scenario: nil, labrun: try LabrunBinary().executable)
    let embedded = try #require(BuiltInLabs.named(name))
    let definition = try LabDefinition.load(from: .builtIn(embedded))
    phases = try LabRegistry.load(definition).phases
    run = try RunStore(state: state).create(
      lab: name, labFile: nil, target: await transport.target,
      parameters: try definition.resolve(overrides: parameters).values, redactor: Redactor())
    pipeline = Pipeline(run: run, transport: transport)
    let profile = try #require(SimProfile.named(SimProfile.defaultID))
    store = SimStore(directory: target.simulatorDirectory(profile: profile, state: state).path)
  }

  /// Runs `steps`, or the whole `phase`.
  func run(_ phase: Phase, _ steps: [any Step]? = nil) async throws {
    let all: [any Step]
    switch phase {
    case .up: all = phases.up
    case .exercises: all = phases.exercises
    case .down: all = phases.down
    }
    try await pipeline.run(phase, steps: steps ?? all)
  }

  /// Runs exercise `steps` and interrupts them (Ctrl-C: the task cancelled) once every file of
  /// the simulated host in `files` shows `text`; the interrupted run must fail.
  func interrupt(_ steps: [any Step], once files: [String], show text: String) async throws {
    let attempt = Task { try await run(.exercises, steps) }
    func shows(_ file: String) -> Bool {
      ((try? String(contentsOfFile: file, encoding: .utf8)) ?? "").contains(text)
    }
    let deadline = ContinuousClock.now + .seconds(60)
    while ContinuousClock.now < deadline, !files.allSatisfy(shows) {
      try await Task.sleep(for: .milliseconds(100))
    }
    #expect(files.allSatisfy(shows), "\(files) never showed \(text)")
    attempt.cancel()
    await #expect(throws: (any Error).self) { try await attempt.value }
  }

  /// The down phase, and what its MPS stop step checked.
  func stop() async throws -> MPSStopStep.Output {
    try await run(.down)
    return try output(MPSStopStep.Output.self, of: "mps-stop")
  }

  /// A step's output as the ledger on disk holds it.
  func output<T: Decodable>(_ type: T.Type, of step: String) throws -> T {
    let entry = try #require(try RunStore.readLedger(in: run.directory).entries.last { $0.stepID == step })
    return try #require(entry.outputs).decode(as: type)
  }

  /// The private directories the tenant labs staged on the simulated host (`mktemp -d` in its tmp).
  func stagedDirectories() -> [String] {
    let tmp = store.directory + "/tmp"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []
    return names.filter { $0.hasPrefix("labrun-") }.map { tmp + "/" + $0 }.sorted()
  }

  /// An artifact's lines.
  func lines(_ name: String) throws -> [String] {
    try artifact(name).components(separatedBy: "\n")
  }

  func artifact(_ name: String) throws -> String {
    try String(contentsOf: run.artifactsDirectory.appendingPathComponent(name), encoding: .utf8)
  }

  /// Exercise `id`'s result, judged from the bundle on disk.
  func result(_ lab: some ValidationLab, exercise id: String) throws -> ExerciseResult {
    let results = lab.results(for: try EvidenceBundle.load(directory: run.directory))
    return try #require(results.first { $0.id == id }, "\(results.map(\.id))")
  }

  func remove() { home.remove() }
}
