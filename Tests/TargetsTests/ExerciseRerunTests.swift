import Foundation
import LabPipeline
import Remote
import TestSupport
import Testing

@testable import LabSim
@testable import Labs
@testable import Targets

/// An exercise step that failed half way and is run again (the same `labrun exercises`, as the
/// error says) must leave one copy of its evidence: its file is its own, started afresh.
@Suite struct ExerciseRerunTests {
  /// On a real VM: nvidia-smi in the pod answers, the probe's compile fails (a slow image, a
  /// dropped exec), the user reruns. Here the probe's ConfigMap is taken away for the first try.
  @Test func aProbeRunAgainAfterAFailureLeavesOneCopyOfItsEvidence() async throws {
    let home = try TemporaryDirectory(prefix: "labrun-rerun")
    defer { home.remove() }
    let config = home.appending("kubeconfig")
    try ExistingClusterTests.kubeconfig().write(to: config, atomically: true, encoding: .utf8)
    let state = StateDirectory(root: home.url)
    let transport = try await ExistingClusterTarget(kubeconfig: config.path, context: nil)
      .open(options: ConnectionOptions(state: state), labrun: try LabrunBinary().executable)
    let embedded = try #require(BuiltInLabs.named(HAMiIsolationLab.name))
    let definition = try LabDefinition.load(from: .builtIn(embedded))
    let run = try RunStore(state: state).create(
      lab: HAMiIsolationLab.name, labFile: nil, target: await transport.target,
      parameters: try definition.resolve(overrides: []).values, redactor: Redactor())
    let phases = try #require(HAMiIsolationLab().existingClusterPhases(files: definition.source.files))
    let store = SimStore(directory: home.url.appendingPathComponent("sim/existing/a6000-48gb").path)
    let pipeline = Pipeline(run: run, transport: transport)
    try await pipeline.run(.up, steps: phases.up)
    try await pipeline.run(.exercises, steps: Array(phases.exercises.prefix(3)))

    let taken = try store.update { state -> [String] in
      defer { state.namespacedConfigMaps?.removeAll { $0.hasSuffix("/hami-probe") } }
      return state.namespacedConfigMaps ?? []
    }
    await #expect(throws: (any Error).self) { try await pipeline.run(.exercises, steps: phases.exercises) }
    try store.update { $0.namespacedConfigMaps = taken }
    try await pipeline.run(.exercises, steps: phases.exercises)

    let probe = try String(
      contentsOf: run.directory.appendingPathComponent(
        "artifacts/" + HAMiCatalog.probeMemory(pod: "hami-share-a")),
      encoding: .utf8)
    #expect(probe.components(separatedBy: "$ kubectl exec hami-share-a -- nvidia-smi").count == 2, "\(probe)")
    #expect(!probe.contains("Cannot find source file"), "\(probe)")
    let results = HAMiIsolationLab().results(for: try EvidenceBundle.load(directory: run.directory))
    #expect(results.map(\.verdict) == Array(repeating: .pass, count: 5), "\(results.map(\.reason))")
  }
}
