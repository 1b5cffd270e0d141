import Foundation
import LabPipeline
import Labs
import TestSupport
import Testing

@Suite struct LabRegistryTests {
  static func load(_ name: String) throws -> LoadedLab {
    try LabRegistry.load(
      try LabDefinition.load(from: TestPackage.lab(name).appendingPathComponent("lab.yaml")))
  }

  @Test(arguments: LabRegistry.names)
  func everyRegisteredLabHasALabFileAndPlans(name: String) throws {
    let lab = try Self.load(name)
    #expect(lab.name == name)
    var ids: [String] = []
    for phase in Phase.allCases {
      let planned = try Pipeline.plan(
        phase, steps: lab.steps(for: phase), parameters: lab.definition.defaults,
        target: TargetInfo(name: "planned", kind: .ssh))
      ids += planned.map(\.id)
    }
    #expect(Set(ids).count == ids.count, "step ids must be unique within \(name)")
  }

  @Test func defaultLabDeclaresTheDesignParameters() throws {
    #expect(LabRegistry.defaultLabName == "hami-isolation-realgpu")
    let defaults = try Self.load(LabRegistry.defaultLabName).definition.defaults
    #expect(try defaults.string("hami_version") == "2.9.0")
    #expect(try defaults.string("k3s_version").hasPrefix("v1."))
    #expect(try defaults.string("scheduler_registry") == "registry.k8s.io")
    #expect(try defaults.int("slice_mib") == 8000)
    #expect(try defaults.string("probe_image") == "nvidia/cuda:12.4.1-devel-ubuntu22.04")
    #expect(try defaults.string("provider") == "")
    #expect(try defaults.string("sim_scenario") == "none")
    #expect(try defaults.duration("node_ready_timeout") > .zero)
  }

  @Test func unknownLabNameIsRefused() throws {
    let definition = try LabDefinition.parse("name: nope\n", file: URL(fileURLWithPath: "/x/lab.yaml"))
    #expect(throws: LabRegistryError.self) { try LabRegistry.load(definition) }
  }

  @Test func selfTestPlanQuotesHostileParameters() throws {
    let lab = try Self.load("selftest")
    let value = "$(touch x)'; rm -rf ~'\nline two ✓"
    let parameters = try lab.definition.resolve(overrides: ["echo_value=\(value)", "marker_dir=/tmp/a b"])
    let planned = try Pipeline.plan(
      .up, steps: lab.steps(for: .up), parameters: parameters, target: TargetInfo(name: "planned", kind: .ssh)
    )
    let echo = try #require(planned.first { $0.id == "echo-parameter" })
    #expect(echo.commands == ["printf '%s' " + ShellQuote.quote(value) + " > '/tmp/a b/echo.txt'"])
  }
}
