import Foundation
import LabPipeline
import Labs
import Remote
import Targets
import TestSupport
import Testing

/// `--host` (repeated) and `--hosts FILE` as the commands take them (issue 22).
@Suite struct TargetSelectionTests {
  @Test func oneHostIsNoFleetAndSeveralAre() throws {
    #expect(try TargetSelection(hosts: ["sim"]).fleet() == nil)
    #expect(try TargetSelection(hosts: ["sim"]).targets()?.map(\.target) == ["sim"])
    #expect(try TargetSelection(hosts: []).targets() == nil)
    let fleet = try #require(try TargetSelection(hosts: ["sim/a", "gpu-vm"]).fleet())
    #expect(fleet.map(\.target) == ["sim/a", "gpu-vm"])
    #expect(fleet.map(\.simulated) == [true, false])
  }

  @Test func theHostsFileFollowsTheHostsAndAHostNamedTwiceIsRefused() throws {
    let home = try TemporaryDirectory(prefix: "labrun-selection")
    defer { home.remove() }
    let file = home.appending("hosts.txt")
    try Data("sim/b sim_scenario=runtime-runc\n".utf8).write(to: file)
    let fleet = try #require(try TargetSelection(hosts: ["sim/a"], hostsFile: file.path).fleet())
    #expect(fleet.map(\.target) == ["sim/a", "sim/b"])
    #expect(fleet[1].parameters == ["sim_scenario=runtime-runc"])
    #expect(throws: TargetError.namedTwice("sim/b")) {
      try TargetSelection(hosts: ["sim/b"], hostsFile: file.path).fleet()
    }
    #expect(LabrunExitCode.status(for: TargetError.namedTwice("x")) == LabrunExitCode.usage)
  }

  /// `plan` over a fleet: one section per host, each with the host's own parameters.
  @Test func aFleetPlanHasASectionPerHostWithItsOwnParameters() async throws {
    let home = try TemporaryDirectory(prefix: "labrun-plan")
    defer { home.remove() }
    let embedded = try #require(BuiltInLabs.named(LabRegistry.defaultLabName))
    let lab = try LabRegistry.load(try LabDefinition.load(from: .builtIn(embedded)))
    let environment = ["HOME": home.path, "LABRUN_HOME": home.appending("state").path]
    let plan = try await FleetPlan.make(
      lab: lab,
      hosts: [
        FleetLifecycle.Host(target: "sim/a", simulated: true),
        FleetLifecycle.Host(target: "sim/b", parameters: ["sim_scenario=runtime-runc"], simulated: true),
      ],
      overrides: [], phases: [.up],
      options: ConnectionOptions(state: StateDirectory(environment: environment), environment: environment),
      redactor: Redactor())
    #expect(plan.hosts.map(\.host) == ["sim/a", "sim/b"])
    #expect(plan.hosts[1].parameters["sim_scenario"]?.description == "runtime-runc")
    let text = try plan.rendered(json: false)
    #expect(text.hasPrefix("# sim/a\n\n") && text.contains("\n# sim/b\n\n"), "\(text.prefix(300))")
    let json =
      try JSONSerialization.jsonObject(with: Data(try plan.rendered(json: true).utf8)) as? [String: Any]
    #expect((json?["hosts"] as? [Any])?.count == 2)
  }
}
