import Foundation
import LabPipeline
import Remote
import TestSupport
import Testing

@testable import Labs
@testable import Targets

/// After `up` refused an existing cluster (it only looked), the usual rerun with another
/// parameter starts a new run, as it does after a host's preflight refusal.
@Suite struct ExistingClusterRefusalRerunTests {
  @Test func upAgainWithAnotherParameterAfterARefusalStartsANewRun() async throws {
    let home = try TemporaryDirectory(prefix: "labrun-refusal")
    defer { home.remove() }
    let config = home.appending("kubeconfig")
    try ExistingClusterTests.kubeconfig().write(to: config, atomically: true, encoding: .utf8)
    let embedded = try #require(BuiltInLabs.named(HAMiIsolationLab.name))
    let definition = try LabDefinition.load(from: .builtIn(embedded))
    let lab = try LabRegistry.load(definition)
    let state = StateDirectory(root: home.url)
    let tool = try LabrunBinary().executable
    let lifecycle = LabRunLifecycle(store: RunStore(state: state), redactor: Redactor(), progress: { _ in })
    func up(_ scenario: String) async throws -> RunOutcome {
      try await lifecycle.up(
        lab, parameters: try definition.resolve(overrides: ["sim_scenario=" + scenario]),
        options: LifecycleOptions(),
        open: { _, _ in
          OpenedTarget(
            transport: try await ExistingClusterTarget(kubeconfig: config.path, context: nil)
              .open(options: ConnectionOptions(state: state), scenario: scenario, labrun: tool),
            connection: nil)
        })
    }
    await #expect(throws: PipelineError.self) { _ = try await up("hami-absent") }
    let refused = try #require(try RunStore(state: state).list().first?.id)
    let again = try await up("none")
    #expect(await again.run.id != refused)
    #expect(try RunStore(state: state).list().count == 2)
  }
}
