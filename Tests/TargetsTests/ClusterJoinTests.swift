import Foundation
import LabPipeline
import Remote
import TestSupport
import Testing

@testable import Labs
@testable import Targets

/// A simulated three-machine cluster provisioned by the lab's own steps through one
/// ``ClusterTransport``: the server installs k3s, each agent joins with the server's token, and
/// the token shows nowhere labrun writes.
@Suite struct ClusterJoinTests {
  struct Fixture {
    let home: TemporaryDirectory
    let spec: ClusterSpec
    let cluster: ClusterTransport
    let run: RunDirectory
    let redactor = Redactor()

    init(scenario: String = "none") async throws {
      home = try TemporaryDirectory(prefix: "labrun-cluster")
      spec = try ClusterSpec(server: "sim/server", nodes: ["sim:a6000-48gb/s2", "sim:h100-80gb/s3"])
      let options = ConnectionOptions(state: StateDirectory(root: home.url))
      cluster = try await spec.open(
        options: options, scenario: scenario, labrun: try LabrunBinary().executable)
      run = try RunStore(state: StateDirectory(root: home.url)).create(
        lab: "hami-isolation-realgpu", labFile: nil, target: await cluster.target,
        parameters: ["k3s_version": .string("v1.33.5+k3s1"), "node_ready_timeout": .int(30)],
        redactor: redactor)
    }

    var steps: [any Step] {
      [K3sInstallStep()] + spec.agents.map { JoinAgentStep(node: $0.name) }
    }

    func up() async throws {
      try await Pipeline(run: run, transport: cluster).run(.up, steps: steps)
    }

    func server(_ script: String, privileged: Bool = false) async throws -> String {
      try await cluster.run(RemoteCommand(script, privileged: privileged)).stdoutText
    }

    /// Every file of the run directory, concatenated.
    func everythingWritten() throws -> String { WrittenText.under(run.directory) }

    func token() async throws -> String {
      try await server("cat /var/lib/rancher/k3s/server/node-token", privileged: true)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    }
  }

  @Test func agentsJoinAndTheTokenIsWrittenNowhere() async throws {
    let fixture = try await Fixture()
    defer { fixture.home.remove() }
    defer { Task { await fixture.cluster.close() } }
    try await fixture.up()
    let nodes = try await fixture.server("kubectl get nodes --no-headers").split(separator: "\n")
      .map { $0.split(separator: " ").map(String.init) }
    #expect(nodes.map { $0[0] } == ["server", "s2", "s3"])
    #expect(nodes.allSatisfy { $0[1] == "Ready" })
    let token = try await fixture.token()
    #expect(token.hasPrefix("K10"))
    let written = try fixture.everythingWritten()
    #expect(!written.contains(token))
    #expect(!written.contains(String(token.suffix(32))))
    // The agents' commands are recorded with their node; none carries the token.
    let transcript = try String(contentsOf: fixture.run.transcriptFile, encoding: .utf8).split(
      separator: "\n"
    )
    .map { try JSONDecoder.labrun.decode(TranscriptEntry.self, from: Data($0.utf8)) }
    let joins = transcript.filter { $0.step == "join@sim:a6000-48gb/s2" }
    #expect(
      joins.contains {
        $0.node == "sim:a6000-48gb/s2" && $0.command.contains("K3S_TOKEN_FILE=/etc/rancher/k3s/join-token ")
      })
    #expect(joins.contains { $0.node == nil && $0.command.contains("node-token") })
    // Rerunning finds every agent joined.
    let ledger = try RunStore.readLedger(in: fixture.run.directory)
    #expect(ledger.entries.map(\.state).allSatisfy { $0 == .done })
    try await fixture.up()
  }

  @Test func aBlockedServerPortStopsTheJoinNamingThePort() async throws {
    let fixture = try await Fixture(scenario: "agent-cannot-reach-server")
    defer { fixture.home.remove() }
    defer { Task { await fixture.cluster.close() } }
    let error = await #expect(throws: (any Error).self) { try await fixture.up() }
    let message = error.map(String.init(describing:)) ?? ""
    #expect(message.contains("6443/tcp") && message.contains("8472/udp"), "\(message)")
    #expect(message.contains("from sim:a6000-48gb/s2"), "\(message)")
    // Nothing was handed to the agent: it never got as far as the token.
    #expect(try await fixture.server("kubectl get nodes --no-headers").split(separator: "\n").count == 1)
  }

  /// The server must reach each agent's 10250/tcp before the agent joins: before its kubelet runs
  /// a refused connection proves the port open, a timeout a firewall dropping it.
  @Test func aBlockedKubeletPortStopsTheJoinBeforeTheAgentInstalls() async throws {
    let fixture = try await Fixture(scenario: "kubelet-port-blocked")
    defer { fixture.home.remove() }
    defer { Task { await fixture.cluster.close() } }
    let error = await #expect(throws: (any Error).self) { try await fixture.up() }
    let message = error.map(String.init(describing:)) ?? ""
    #expect(message.contains("from the server") && message.contains(":10250/healthz"), "\(message)")
    #expect(message.contains("blocks 10250/tcp") && message.contains("Timeout was reached"), "\(message)")
    let agent = try await fixture.cluster.run(RemoteCommand("k3s --version", node: "sim:a6000-48gb/s2"))
    #expect(!agent.succeeded, "the agent installed k3s before the port was known open")
    #expect(try await fixture.server("kubectl get nodes --no-headers").split(separator: "\n").count == 1)
  }

  /// `down`'s verify-clean checks every agent, not only the server: a k3s agent left on one (its
  /// purge skipped here) fails the teardown naming that node; once gone, every node is clean.
  @Test func verifyCleanChecksEveryAgent() async throws {
    let fixture = try await Fixture()
    defer { fixture.home.remove() }
    defer { Task { await fixture.cluster.close() } }
    try await fixture.up()
    let file = try TestPackage.lab("hami-isolation-realgpu").appendingPathComponent("lab.yaml")
    let lab = try LabRegistry.load(try LabDefinition.load(from: file))
    let agents = fixture.spec.agents.map(\.name)
    let verify = try lab.steps(for: .down, nodes: agents).filter { $0.id.hasPrefix("verify-clean@") }
    let purge = Pipeline(run: fixture.run, transport: fixture.cluster, options: LifecycleOptions(purge: true))
    let uninstall = RemoteCommand("k3s-agent-uninstall.sh", privileged: true, node: agents[0])
    #expect(try await fixture.cluster.run(uninstall).succeeded)
    let error = await #expect(throws: (any Error).self) { try await purge.run(.down, steps: verify) }
    let message = error.map(String.init(describing:)) ?? ""
    #expect(message.contains("on \(agents[1])") && message.contains("k3s-agent-uninstall.sh"), "\(message)")
    #expect(!message.contains("on \(agents[0])"), "\(message)")
    var second = uninstall
    second.node = agents[1]
    #expect(try await fixture.cluster.run(second).succeeded)
    try await purge.run(.down, steps: verify)
  }

  @Test func aRefusedTokenStopsTheJoinQuotingTheAgentsLog() async throws {
    let fixture = try await Fixture(scenario: "wrong-token")
    defer { fixture.home.remove() }
    defer { Task { await fixture.cluster.close() } }
    let error = await #expect(throws: (any Error).self) { try await fixture.up() }
    let message = error.map(String.init(describing:)) ?? ""
    #expect(message.contains("401 Unauthorized"), "\(message)")
    let token = try await fixture.token()
    #expect(!message.contains(token))
    #expect(!(try fixture.everythingWritten()).contains(token))
  }

  @Test(arguments: [
    (["sim:a6000-48gb/s2", "sim:a6000-48gb/s2"], "named twice"),
    (["sim/server"], "is the server"),
    (["gpu-vm"], "cannot form one cluster"),
  ])
  func aClusterOfOneMachineTwiceOrOfMixedKindsIsRefused(nodes: [String], says: String) {
    #expect {
      _ = try ClusterSpec(server: "sim/server", nodes: nodes)
    } throws: { error in
      String(describing: error).contains(says)
    }
  }
}
