import LabPipeline
import LabSim
import Labs
import Testing

/// Issue 20 defect 6: each lab says which simulated scenarios apply to it, every name it gives
/// is a scenario of the simulator, and every scenario belongs to some lab.
@Suite struct SimScenarioLabsTests {
  @Test func everyLabsScenarioIsTheSimulatorsAndEveryScenarioHasALab() {
    let known = Set(SimScenario.allCases.map(\.rawValue))
    var claimed: Set<String> = []
    for lab in LabRegistry.labs {
      #expect(lab.simulatedScenarios.first == "none", "\(lab.name)")
      let unknown = Set(lab.simulatedScenarios).subtracting(known)
      #expect(unknown.isEmpty, "\(lab.name) names scenarios the simulator does not have: \(unknown.sorted())")
      claimed.formUnion(lab.simulatedScenarios)
    }
    #expect(
      known.subtracting(claimed).isEmpty, "scenarios no lab claims: \(known.subtracting(claimed).sorted())")
  }

  /// The Kubernetes lab (built in) refuses the HAMi-core lab's scenarios and unknown ones,
  /// naming its own (exit status 2); the HAMi-core lab takes its own.
  @Test(arguments: ["core-limit-ignored", "shared-cache", "no-such-scenario"])
  func anotherLabsScenarioIsRefused(scenario: String) throws {
    let lab = try Self.builtIn(HAMiIsolationLab.name)
    #expect(throws: Never.self) { try lab.checkSimulatedScenario("label-sticks") }
    #expect(throws: Never.self) { try lab.checkSimulatedScenario(nil) }
    do {
      try lab.checkSimulatedScenario(scenario)
      Issue.record("\(scenario) was accepted for \(lab.name)")
    } catch let error as LabScenarioError {
      #expect(error.exitCode == LabrunExitCode.labInvalid)
      #expect(error.description.contains("'\(scenario)' for lab hami-isolation-realgpu"), "\(error)")
      #expect(error.description.contains("use one of none, runtime-runc"), "\(error)")
    }
    let core = try Self.builtIn(HAMiCoreIsolationLab.name)
    #expect(throws: Never.self) { try core.checkSimulatedScenario("core-limit-ignored") }
  }

  static func builtIn(_ name: String) throws -> LoadedLab {
    let located = try LabLocator(environment: [:], builtIn: BuiltInLabs.all).locate(name)
    return try LabRegistry.load(try LabDefinition.load(from: located.source))
  }
}
