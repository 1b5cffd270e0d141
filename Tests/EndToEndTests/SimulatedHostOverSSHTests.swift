import Foundation
import LabPipeline
import TestSupport
import Testing

/// The lab on the simulated host whose commands run through a real sshd on loopback
/// (`--host sim+ALIAS`): the SSH transport, the lab and the simulator end to end, as on a VM.
///
/// Each test starts its own sshd (a few milliseconds of ed25519 and ecdsa keys; the RSA key is
/// made once per test process), so the tests run side by side. The PASS and one FAIL scenario
/// run here; the other scenarios' verdicts are judged on this machine's simulated host
/// (SimulatedHostTests, TargetsTests' HAMiLabScenarioTests).
@Suite struct SimulatedHostOverSSHTests {
  /// The scenario table, as `labrun verify` prints the verdicts.
  static let table: [(String, [String])] = [
    ("none", ["PASS", "PASS", "PASS", "PASS", "PASS"]),
    ("runtime-runc", ["PASS", "FAIL", "FAIL", "PASS", "FAIL"]),
  ]

  /// The client environment of a test: the server's fake HOME, no agent.
  static func environment(_ server: LoopbackSSHServer) -> [String: String] {
    ["HOME": server.clientHome.path, "SSH_AUTH_SOCK": ""]
  }

  /// A started loopback sshd that trusts the ed25519 test key, with its ssh_config.
  static func startServer() async throws -> (LoopbackSSHServer, URL) {
    let server = try await LoopbackSSHServer.start()
    try server.trustInUserKnownHosts()
    return (server, try server.writeSSHConfig(alias: "gpu-vm", identity: server.keys["ed25519"]))
  }

  @Test(arguments: table)
  func scenarioOverLoopbackSSH(scenario: String, expected: [String]) async throws {
    let (server, config) = try await Self.startServer()
    defer { server.stop() }
    let environment = Self.environment(server)
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let run = try await fixture.labrun(
      ["run", "--host", "sim+gpu-vm", "-F", config.path, "--param", "sim_scenario=\(scenario)"],
      environment: environment)
    // The verdicts decide run's exit status: 0 all PASS, 5 any FAIL.
    #expect(run.status == (expected.contains("FAIL") ? 5 : 0), "\(scenario): \(run)")
    #expect(run.stdout.contains("🧪 SIMULATED"), "\(scenario)")
    let directory = try fixture.onlyRun()
    let record = try String(contentsOf: directory.appendingPathComponent("run.json"), encoding: .utf8)
    #expect(record.contains("simulated"))
    #expect(record.contains("SHA256:"), "the ssh host key fingerprint belongs in run.json: \(record)")
    let verify = try await fixture.labrun(["verify"], environment: environment)
    #expect(verify.status == 3, "\(scenario): \(verify)")
    #expect(SimulatedHostTests.verdicts(verify.stdout) == expected, "\(scenario): \(verify.stdout)")
  }

  @Test func preflightRefusalOverLoopbackSSHChangesNothing() async throws {
    let (server, config) = try await Self.startServer()
    defer { server.stop() }
    let refused = try SelfTestLabFixture()
    defer { refused.remove() }
    let up = try await refused.labrun(
      ["up", "--host", "sim+gpu-vm", "-F", config.path, "--param", "sim_scenario=gpu-operator-present"],
      environment: Self.environment(server))
    #expect(up.status != 0, "\(up)")
    #expect(up.stderr.contains("an NVIDIA GPU Operator runs"), "\(up.stderr)")
    // sim+gpu-vm is the simulated machine named gpu-vm.
    let machine = refused.home.appendingPathComponent(SimulatedHostTests.simDirectory(machine: "gpu-vm"))
    #expect(
      FileManager.default.fileExists(atPath: machine.appendingPathComponent("bin").path), "\(machine.path)")
    let changes = SimulatedHostTests.simState(refused, machine: "gpu-vm")?["changes"] as? [String] ?? []
    #expect(changes.isEmpty, "the host was changed: \(changes)")
  }

  @Test func failedInstallOverLoopbackSSHResumes() async throws {
    let (server, config) = try await Self.startServer()
    defer { server.stop() }
    let environment = Self.environment(server)
    let resumed = try SelfTestLabFixture()
    defer { resumed.remove() }
    let arguments = [
      "up", "--host", "sim+gpu-vm", "-F", config.path, "--param", "sim_scenario=k3s-install-fails-once",
    ]
    let first = try await resumed.labrun(arguments, environment: environment)
    #expect(first.status != 0 && first.stderr.contains("step k3s"), "\(first)")
    let second = try await resumed.labrun(arguments, environment: environment)
    #expect(second.status == 0, "\(second)")
    let states = try resumed.states(try resumed.onlyRun(), .up)
    #expect(states.values.allSatisfy { $0 == .done || $0 == .skippedAlreadySatisfied }, "\(states)")
  }
}
