import Foundation
import LabPipeline
import TestSupport
import Testing

/// The lab on the simulated host whose commands run through a real sshd on loopback
/// (`--host sim+ALIAS`): the SSH transport, the lab and the simulator end to end, as on a VM.
@Suite(.serialized) struct SimulatedHostOverSSHTests {
  @Test(arguments: [
    ("none", ["PASS", "PASS", "PASS", "PASS", "PASS"]),
    ("runtime-runc", ["PASS", "FAIL", "FAIL", "PASS", "FAIL"]),
  ])
  func fullLabOverLoopbackSSH(scenario: String, expected: [String]) async throws {
    let server = try LoopbackSSHServer()
    defer { server.stop() }
    try server.trustInUserKnownHosts()
    let config = try server.writeSSHConfig(alias: "gpu-vm", identity: server.keys["ed25519"])
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let environment = ["HOME": server.clientHome.path, "SSH_AUTH_SOCK": ""]
    let run = try await fixture.labrun(
      ["run", "--host", "sim+gpu-vm", "-F", config.path, "--param", "sim_scenario=\(scenario)"],
      environment: environment)
    #expect(run.status == 0, "\(run)")
    #expect(run.stdout.contains("🧪 SIMULATED"))
    let directory = try fixture.onlyRun()
    let record = try String(contentsOf: directory.appendingPathComponent("run.json"), encoding: .utf8)
    #expect(record.contains("simulated"))
    #expect(record.contains("SHA256:"), "the ssh host key fingerprint belongs in run.json: \(record)")
    let verify = try await fixture.labrun(["verify"], environment: environment)
    #expect(verify.status == 3, "\(verify)")
    #expect(SimulatedHostTests.verdicts(verify.stdout) == expected, "\(verify.stdout)")
  }
}
