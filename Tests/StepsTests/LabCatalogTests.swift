import Foundation
import LabPipeline
import Steps
import TestSupport
import Testing

@Suite struct LabCatalogTests {
  /// The checkout's labs/ directory, found from this file.
  static let labs: URL = {
    var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
      directory = directory.deletingLastPathComponent()
    }
    return directory.appendingPathComponent("labs", isDirectory: true)
  }()

  static func load(_ name: String) throws -> Lab {
    let file = labs.appendingPathComponent(name).appendingPathComponent("lab.yaml")
    return try LabCatalog.lab(for: try LabDefinition.load(from: file))
  }

  @Test(arguments: LabCatalog.names)
  func everyCatalogLabHasALabFileAndPlans(name: String) async throws {
    let lab = try Self.load(name)
    #expect(lab.name == name)
    let transport = RecordingTransport()
    var ids: [String] = []
    for phase in Phase.allCases {
      let planned = try await Pipeline.plan(
        phase, steps: lab.steps(for: phase), parameters: lab.definition.defaults, transport: transport)
      ids += planned.map(\.id)
    }
    #expect(Set(ids).count == ids.count, "step ids must be unique within \(name)")
    #expect(await transport.callCount == 0)
  }

  @Test func defaultLabDeclaresTheDesignParameters() throws {
    #expect(LabCatalog.defaultLabName == "hami-isolation-realgpu")
    let defaults = try Self.load(LabCatalog.defaultLabName).definition.defaults
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
    #expect(throws: LabCatalogError.self) { try LabCatalog.lab(for: definition) }
  }

  @Test func selfTestPlanQuotesHostileParameters() async throws {
    let lab = try Self.load("selftest")
    let value = "$(touch x)'; rm -rf ~'\nline two ✓"
    let parameters = try lab.definition.resolve(overrides: ["echo_value=\(value)", "marker_dir=/tmp/a b"])
    let planned = try await Pipeline.plan(
      .up, steps: lab.steps(for: .up), parameters: parameters, transport: RecordingTransport())
    let echo = try #require(planned.first { $0.id == "echo-parameter" })
    #expect(echo.commands == ["printf '%s' " + ShellQuote.quote(value) + " > '/tmp/a b/echo.txt'"])
  }
}
