import Foundation
import LabPipeline
import Labs
import Remote
import Targets
import TestSupport
import Testing

/// `labrun plan`'s content, in-process: resolution through a real ssh_config (by `ssh -G` and
/// by labrun's own parser), the parameters that apply to the target, and every stdin, redacted.
@Suite struct LabPlanTests {
  static func plan(host: String, config: URL, environment: [String: String], parameters: [String] = [])
    async throws -> LabPlan
  {
    let embedded = try #require(BuiltInLabs.named(LabRegistry.defaultLabName))
    let definition = try LabDefinition.load(from: .builtIn(embedded))
    let lab = try LabRegistry.load(definition)
    let state = StateDirectory(environment: environment)
    let options = ConnectionOptions(sshConfigFile: config.path, state: state, environment: environment)
    return try await LabPlan.make(
      lab: lab, parameters: try definition.resolve(overrides: parameters),
      target: try TargetSpec(parsing: host),
      phases: Phase.allCases, options: options, redactor: Redactor(environment: environment))
  }

  @Test(arguments: [false, true])
  func aHostBlockWithoutHostNameResolvesToTheAlias(builtinParser: Bool) async throws {
    let home = try TemporaryDirectory(prefix: "labrun-plan")
    defer { home.remove() }
    let config = home.appending("ssh_config")
    try Data("Host *.lab\n  User labuser\n  Port 2222\n".utf8).write(to: config)
    var environment = ["HOME": home.path, "LABRUN_HOME": home.appending("state").path]
    if builtinParser { environment["LABRUN_SSH"] = "" }
    let plan = try await Self.plan(host: "gpu-7.invalid.lab", config: config, environment: environment)
    let resolution = try #require(plan.resolution)
    #expect(resolution.hop.hostname == "gpu-7.invalid.lab")
    #expect(resolution.hop.user == "labuser")
    #expect(resolution.hop.port == 2222)
    #expect(plan.parameters["sim_scenario"] == nil, "a real host has no simulated scenario")
    #expect(plan.parameters["slice_mib"] != nil)
    let fed = plan.steps.flatMap(\.inputs).map(\.stdin)
    #expect(fed.contains { $0.contains("kind: Pod") }, "the pods' manifests")
    #expect(fed.contains { $0.hasPrefix("run=<run-id>\n") }, "the owner file")
    for step in plan.steps {
      for input in step.inputs {
        #expect(step.commands.indices.contains(input.command), "\(step.id): \(input.command)")
      }
    }
  }

  /// stdin goes through the same redaction as the transcript: a value labrun takes for a
  /// secret (here the first share pod's name, given as a secret-named environment variable)
  /// never reaches the plan, neither in a command nor in what a command is fed.
  @Test func stdinIsRedactedLikeTheTranscript() async throws {
    let home = try TemporaryDirectory(prefix: "labrun-plan")
    defer { home.remove() }
    let config = home.appending("ssh_config")
    try Data("".utf8).write(to: config)
    let secret = "hami-share-a"
    let environment = ["HOME": home.path, "LABRUN_HOME": home.appending("state").path, "LAB_SECRET": secret]
    let plan = try await Self.plan(host: "user@203.0.113.7", config: config, environment: environment)
    #expect(!plan.text.contains(secret), "\(plan.text)")
    let fed = plan.steps.flatMap(\.inputs).map(\.stdin)
    #expect(fed.contains { $0.contains("name: \(Redactor.mask)") }, "\(fed)")
    #expect(!fed.joined().contains(secret))
  }

  @Test func simulatedHostShowsItsScenarioAndNoResolution() async throws {
    let home = try TemporaryDirectory(prefix: "labrun-plan")
    defer { home.remove() }
    let config = home.appending("ssh_config")
    try Data("".utf8).write(to: config)
    let plan = try await Self.plan(
      host: "sim", config: config,
      environment: ["HOME": home.path, "LABRUN_HOME": home.appending("state").path])
    #expect(plan.resolution == nil)
    #expect(plan.parameters["sim_scenario"] != nil)
    #expect(plan.text.contains("host: labrun's simulated GPU host"))
  }
}
