import Foundation
import LabPipeline
import LabSim
import Remote
import Targets
import Testing

@Suite struct TargetSpecTests {
  @Test(arguments: [
    ("local", TargetInfo(name: "local", kind: .local)),
    ("sim:l4-24gb", TargetInfo(name: "sim:l4-24gb", kind: .simulated)),
    ("gpu-vm", TargetInfo(name: "gpu-vm", kind: .ssh, address: "gpu-vm")),
    (
      "ubuntu@203.0.113.7:2222",
      TargetInfo(
        name: "ubuntu@203.0.113.7:2222", kind: .ssh, address: "203.0.113.7", user: "ubuntu", port: 2222)
    ),
  ])
  func describesWithoutConnecting(host: String, expected: TargetInfo) throws {
    #expect(try TargetSpec(parsing: host).describe() == expected)
  }

  @Test func parsesOnceIntoItsKind() throws {
    #expect(try TargetSpec(parsing: " local ").kind == .local)
    guard case .simulated(let profile, let via) = try TargetSpec(parsing: "sim:l4-24gb+gpu-vm").kind else {
      Issue.record("sim:l4-24gb+gpu-vm is not the simulated host")
      return
    }
    #expect(profile.id == "l4-24gb")
    #expect(via == "gpu-vm")
    #expect(try TargetSpec(parsing: "sim").name == "sim")
  }

  @Test func refusesWhatItCannotName() {
    #expect(throws: TargetError.emptyHost) { try TargetSpec(parsing: " ") }
    #expect(throws: SimulatedHostError.self) { try TargetSpec(parsing: "sim:no-such-card") }
    #expect(throws: SSHError.self) { try TargetSpec(parsing: "user@host;rm") }
  }

  @Test func namedSimulatedHostsAreMachinesOfTheirOwn() throws {
    let state = StateDirectory(root: URL(fileURLWithPath: "/tmp/state"))
    let plain = try TargetSpec(parsing: "sim:l4-24gb")
    let first = try TargetSpec(parsing: "sim:l4-24gb/gpu-01")
    let second = try TargetSpec(parsing: "sim:l4-24gb/gpu-02")
    let aliased = try TargetSpec(parsing: "sim:l4-24gb+gpu-vm")
    let renamed = try TargetSpec(parsing: "sim:l4-24gb/gpu-03+gpu-vm")
    #expect(plain.machine == nil)
    #expect(first.machine == "gpu-01")
    #expect(aliased.machine == "gpu-vm")
    #expect(renamed.machine == "gpu-03")
    #expect(try TargetSpec(parsing: "sim/gpu-04").machine == "gpu-04")
    guard case .simulated(let profile, let via) = renamed.kind else {
      Issue.record("sim:l4-24gb/gpu-03+gpu-vm is not the simulated host")
      return
    }
    #expect(profile.id == "l4-24gb")
    #expect(via == "gpu-vm")
    let directories = [plain, first, second, aliased, renamed].map {
      $0.simulatorDirectory(profile: profile, state: state).path
    }
    #expect(directories[0] == "/tmp/state/sim/l4-24gb")
    #expect(directories[1] == "/tmp/state/sim/l4-24gb/hosts/gpu-01")
    #expect(Set(directories).count == directories.count)
  }

  @Test func refusesASimulatedMachineItCannotName() {
    #expect(throws: TargetError.invalidMachineName("", host: "sim/")) { try TargetSpec(parsing: "sim/") }
    #expect(throws: TargetError.invalidMachineName("..", host: "sim/..")) {
      try TargetSpec(parsing: "sim/..")
    }
    #expect(throws: TargetError.invalidMachineName("a/b", host: "sim/a/b")) {
      try TargetSpec(parsing: "sim/a/b")
    }
    #expect(throws: TargetError.emptyAlias("sim/gpu-01+")) { try TargetSpec(parsing: "sim/gpu-01+") }
    #expect(throws: SimulatedHostError.self) { try TargetSpec(parsing: "sim:no-such-card/gpu-01") }
  }

  @Test func opensLocal() async throws {
    let transport = try await TargetSpec(parsing: "local").open(options: ConnectionOptions())
    #expect(await transport.target.kind == .local)
    await transport.close()
  }
}
