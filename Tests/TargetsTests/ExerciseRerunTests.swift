import Foundation
import LabPipeline
import Remote
import TestSupport
import Testing

@testable import LabSim
@testable import Labs
@testable import Targets

/// An exercise step that failed half way and is run again (the same `labrun exercises`, as the
/// error says) must leave one copy of its evidence: its files are its own, started afresh. A
/// cluster's node exercises (`NodeExercisesStep`) capture each node's card and registration
/// before its pods: a rerun must not add a second section beside the first.
@Suite struct ExerciseRerunTests {
  /// How many sections of `file` in `run`'s artifacts ran `command`.
  static func sections(_ command: String, in file: String, of run: RunDirectory) throws -> Int {
    let text = try String(
      contentsOf: run.directory.appendingPathComponent("artifacts/" + file), encoding: .utf8)
    return text.components(separatedBy: "$ " + command + "\n").count - 1
  }

  /// A cluster labrun provisioned (the server and one agent): on a real VM the agent's pods
  /// cannot pull the probe image (a registry's rate limit), the user fixes it and reruns. Here
  /// the simulated API refuses the pull for the first try.
  @Test func aNodesExercisesRunAgainLeaveOneCopyOfItsCardAndRegistration() async throws {
    let home = try TemporaryDirectory(prefix: "labrun-rerun")
    defer { home.remove() }
    let agent = "sim:h100-80gb/s2"
    let spec = try ClusterSpec(server: "sim/server", nodes: [agent])
    let cluster = try await spec.open(
      options: ConnectionOptions(state: StateDirectory(root: home.url)), scenario: nil,
      labrun: try LabrunBinary().executable)
    defer { Task { await cluster.close() } }
    let embedded = try #require(BuiltInLabs.named(HAMiIsolationLab.name))
    let definition = try LabDefinition.load(from: .builtIn(embedded))
    let run = try RunStore(state: StateDirectory(root: home.url)).create(
      lab: HAMiIsolationLab.name, labFile: nil, target: await cluster.target,
      parameters: try definition.resolve(overrides: []).values, redactor: Redactor())
    let phases = try #require(HAMiIsolationLab().phases(files: definition.source.files, nodes: [agent]))
    let pipeline = Pipeline(run: run, transport: cluster)
    try await pipeline.run(.up, steps: phases.up)
    let steps: [any Step] = [
      ClusterNodesStep(agents: [agent]),
      NodeExercisesStep(route: agent, manifests: HAMiManifests(files: definition.source.files)),
    ]

    let server = SimStore(directory: home.url.appendingPathComponent("sim/a6000-48gb/hosts/server").path)
    try server.update { $0.scenario = .imagePullFails }
    await #expect(throws: (any Error).self) { try await pipeline.run(.exercises, steps: steps) }
    try server.update { $0.scenario = SimScenario.none }
    try await pipeline.run(.exercises, steps: steps)

    #expect(try Self.sections("nvidia-smi -L", in: "0-host-gpu@s2.txt", of: run) == 1)
    #expect(
      try Self.sections(
        HAMiInstallStep.allocatable("s2").description, in: "node-allocatable@s2.txt", of: run) == 1)
    let results = HAMiIsolationLab().results(for: try EvidenceBundle.load(directory: run.directory))
      .filter { $0.id.hasSuffix("@s2") }
    #expect(results.map(\.verdict) == Array(repeating: .pass, count: 5), "\(results.map(\.reason))")
  }

  /// An existing cluster (`--kubeconfig`, two GPU nodes): the exercises of every node are one
  /// step, and a failure on the second node reruns the first. Here HAMi's device plugin stops
  /// registering gpu-node-2 after the nodes were listed, so its exercises wait in vain.
  @Test func everyNodesEvidenceRunAgainIsOneCopy() async throws {
    let home = try TemporaryDirectory(prefix: "labrun-rerun")
    defer { home.remove() }
    let config = home.appending("kubeconfig")
    try ExistingClusterTests.kubeconfig(server: "https://a6000-48gb.h100-80gb.sim.labrun.invalid").write(
      to: config, atomically: true, encoding: .utf8)
    let state = StateDirectory(root: home.url)
    let transport = try await ExistingClusterTarget(kubeconfig: config.path, context: nil)
      .open(options: ConnectionOptions(state: state), labrun: try LabrunBinary().executable)
    let embedded = try #require(BuiltInLabs.named(HAMiIsolationLab.name))
    let definition = try LabDefinition.load(from: .builtIn(embedded))
    let run = try RunStore(state: state).create(
      lab: HAMiIsolationLab.name, labFile: nil, target: await transport.target,
      parameters: try definition.resolve(overrides: ["pod_ready_timeout=10"]).values, redactor: Redactor())
    let phases = try #require(HAMiIsolationLab().existingClusterPhases(files: definition.source.files))
    let store = SimStore(directory: home.url.appendingPathComponent("sim/existing/a6000-48gb.h100-80gb").path)
    let pipeline = Pipeline(run: run, transport: transport)
    try await pipeline.run(.up, steps: phases.up)
    try await pipeline.run(.exercises, steps: Array(phases.exercises.prefix(2)))

    try store.update { state in
      _ = state.updateNode(named: "gpu-node-2") { node in
        node.labels["gpu"] = nil
        node.annotations["hami.io/node-nvidia-register"] = nil
      }
    }
    await #expect(throws: (any Error).self) { try await pipeline.run(.exercises, steps: phases.exercises) }
    try store.update { state in _ = state.updateNode(named: "gpu-node-2") { $0.labels["gpu"] = "on" } }
    try await pipeline.run(.exercises, steps: phases.exercises)

    for node in ["gpu-node-1", "gpu-node-2"] {
      #expect(
        try Self.sections(
          HAMiInstallStep.allocatable(node).description, in: "node-allocatable@\(node).txt", of: run) == 1)
      #expect(
        try Self.sections(
          "kubectl exec hami-share-a -- nvidia-smi", in: "2-3-probe-memory-a@\(node).txt", of: run) == 1)
    }
    let results = HAMiIsolationLab().results(for: try EvidenceBundle.load(directory: run.directory))
    #expect(results.count == 12 && results.allSatisfy { $0.verdict == .pass }, "\(results.map(\.reason))")
  }
}
