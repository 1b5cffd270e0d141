import Foundation
import LabPipeline
import TestSupport
import Testing

@testable import LabSim

/// Several simulated hosts as one k3s cluster: they share a network, the server mints a token in
/// k3s's secure format, agents join with it through `K3S_TOKEN_FILE` and the server's API lists,
/// labels and schedules onto every node.
@Suite struct SimClusterTests {
  /// A set of simulated machines on one network, set up by their real setup script.
  struct Cluster {
    let root: TemporaryDirectory
    var network: SimNetwork { SimNetwork(directory: root.path + "/network") }

    init() throws { root = try TemporaryDirectory(prefix: "labrun-simcluster") }

    /// Sets up machine `name` with `profile` (and `scenario`), returning its directory.
    @discardableResult
    func host(_ name: String, profile: String, scenario: SimScenario = .none) throws -> String {
      let card = try #require(SimProfile.named(profile))
      let directory = root.path + "/" + name
      let host = SimulatedHost(
        directory: directory, profile: card, scenario: scenario, tool: "/nonexistent/labrun", hostname: name,
        network: network)
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/sh")
      process.arguments = ["-c", host.setupScript(toolPath: "/nonexistent/labrun")]
      try process.run()
      process.waitUntilExit()
      #expect(process.terminationStatus == 0, "setup of \(name)")
      return directory
    }

    func run(
      _ host: String, _ name: String, _ arguments: [String] = [], environment: [String: String] = [:],
      input: String = ""
    ) -> (out: String, err: String, status: Int32) {
      let tool = SimTool(directory: root.path + "/" + host, environment: environment) { input }
      guard case .exit(let out, let err, let status) = tool.run(name: name, arguments: arguments) else {
        return ("", "\(name) did not answer in-process", -1)
      }
      return (out, err, status)
    }

    func address(_ host: String) throws -> String {
      try String(contentsOfFile: root.path + "/" + host + "/address", encoding: .utf8)
        .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The server's k3s, installed as the lab installs it.
    func installServer(_ host: String) -> (out: String, err: String, status: Int32) {
      run(
        host, "k3s-installer",
        environment: [
          "INSTALL_K3S_VERSION": "v1.33.5+k3s1",
          "INSTALL_K3S_EXEC": "server --default-runtime nvidia --write-kubeconfig-mode 644",
        ])
    }

    /// Hands `token` to `agent` in a root-only file and joins it to `server`.
    func join(_ agent: String, to server: String, token: String) throws -> (
      out: String, err: String, status: Int32
    ) {
      let written = run(agent, "tee", ["/etc/rancher/k3s/join-token"], input: token + "\n")
      #expect(written.status == 0)
      return run(
        agent, "k3s-installer",
        environment: [
          "INSTALL_K3S_VERSION": "v1.33.5+k3s1", "INSTALL_K3S_EXEC": "agent --default-runtime nvidia",
          "K3S_URL": "https://\(try address(server)):6443", "K3S_TOKEN_FILE": "/etc/rancher/k3s/join-token",
        ])
    }

    func token(of server: String) -> String {
      run(server, "cat", ["/var/lib/rancher/k3s/server/node-token"]).out
        .trimmingCharacters(in: .whitespacesAndNewlines)
    }
  }

  @Test func agentsJoinWithTheMintedTokenAndTheServerListsEveryNode() throws {
    let cluster = try Cluster()
    defer { cluster.root.remove() }
    try cluster.host("server", profile: "cpu-only")
    try cluster.host("s2", profile: "a6000-48gb")
    try cluster.host("s3", profile: "h100-80gb")
    #expect(
      Set([try cluster.address("server"), try cluster.address("s2"), try cluster.address("s3")]).count == 3)
    // Setting a machine up again keeps its address.
    let before = try cluster.address("s2")
    try cluster.host("s2", profile: "a6000-48gb")
    #expect(try cluster.address("s2") == before)

    #expect(cluster.installServer("server").status == 0)
    let token = cluster.token(of: "server")
    #expect(token.wholeMatch(of: /K10[0-9a-f]{64}::server:[0-9a-f]{32}/) != nil, "\(token)")
    for agent in ["s2", "s3"] {
      let joined = try cluster.join(agent, to: "server", token: token)
      #expect(joined.status == 0, "\(joined.err)")
      #expect(!(joined.out + joined.err).contains(token))
      let journal = cluster.run(agent, "journalctl", ["-u", "k3s-agent", "--no-pager"]).out
      #expect(journal.contains("Successfully registered node \(agent)"), "\(journal)")
      #expect(!journal.contains(token))
      #expect(cluster.run(agent, "systemctl", ["is-active", "--quiet", "k3s-agent"]).status == 0)
    }
    let nodes = cluster.run("server", "kubectl", ["get", "nodes", "-o", "wide"])
    let rows = nodes.out.split(separator: "\n").dropFirst().map { $0.split(separator: " ").map(String.init) }
    #expect(rows.map { $0[0] } == ["server", "s2", "s3"])
    #expect(rows.allSatisfy { $0[1] == "Ready" })
    #expect(
      rows.map { $0[5] } == [
        try cluster.address("server"), try cluster.address("s2"), try cluster.address("s3"),
      ])
    // Each machine's card has its own UUID.
    let uuids = ["s2", "s3"].map { cluster.run($0, "nvidia-smi", ["-L"]).out }
    #expect(uuids[0] != uuids[1])
    // The node without a GPU has no nvidia-smi at all.
    #expect(!FileManager.default.fileExists(atPath: cluster.root.path + "/server/bin/nvidia-smi"))
    // An agent has k3s-agent-uninstall.sh, the server k3s-uninstall.sh, each only its own.
    func linked(_ host: String, _ name: String) -> Bool {
      (try? FileManager.default.destinationOfSymbolicLink(atPath: cluster.root.path + "/\(host)/bin/\(name)"))
        != nil
    }
    #expect(linked("s2", "k3s-agent-uninstall.sh") && !linked("s2", "k3s-uninstall.sh"))
    #expect(linked("server", "k3s-uninstall.sh") && !linked("server", "k3s-agent-uninstall.sh"))
    // An uninstalled agent stays listed, NotReady, as on a real server.
    #expect(cluster.run("s3", "k3s-agent-uninstall.sh").status == 0)
    let after = cluster.run("server", "kubectl", ["get", "node", "s3", "--no-headers"]).out
    #expect(after.split(separator: " ").dropFirst().first == "NotReady", "\(after)")
  }

  @Test func anAgentWithoutATokenIsRefusedAsByK3ssInstaller() throws {
    let cluster = try Cluster()
    defer { cluster.root.remove() }
    try cluster.host("server", profile: "a6000-48gb")
    try cluster.host("s2", profile: "a6000-48gb")
    #expect(cluster.installServer("server").status == 0)
    let refused = cluster.run(
      "s2", "k3s-installer", environment: ["K3S_URL": "https://\(try cluster.address("server")):6443"])
    #expect(refused.status == 1)
    #expect(refused.err.contains("K3S_URL is defined, but K3S_TOKEN or K3S_TOKEN_FILE is not defined"))
  }

  @Test func aBlockedServerPortTimesOutFromTheAgentAndItNeverJoins() throws {
    let cluster = try Cluster()
    defer { cluster.root.remove() }
    try cluster.host("server", profile: "a6000-48gb", scenario: .agentCannotReachServer)
    try cluster.host("s2", profile: "a6000-48gb", scenario: .agentCannotReachServer)
    #expect(cluster.installServer("server").status == 0)
    let server = try cluster.address("server")
    let probe = cluster.run(
      "s2", "curl",
      [
        "-sk", "--connect-timeout", "5", "-o", "/dev/null", "-w", "%{http_code}",
        "https://\(server):6443/cacerts",
      ])
    #expect(probe.status == 28)
    #expect(probe.err.contains("port 6443"))
    // The kubelet port of the agent answers from the server once the agent runs; 6443 alone is blocked.
    #expect(try cluster.join("s2", to: "server", token: cluster.token(of: "server")).status == 0)
    let journal = cluster.run("s2", "journalctl", ["-u", "k3s-agent"]).out
    #expect(journal.contains("dial tcp \(server):6443: i/o timeout"), "\(journal)")
    #expect(
      cluster.run("server", "kubectl", ["get", "nodes", "--no-headers"]).out.split(separator: "\n").count == 1
    )
    let kubelet = cluster.run(
      "server", "curl",
      ["-sk", "-o", "/dev/null", "-w", "%{http_code}", "https://\(try cluster.address("s2")):10250/healthz"])
    #expect(kubelet.out == "401")
  }

  @Test func aRotatedTokenIsRefusedWithUnauthorized() throws {
    let cluster = try Cluster()
    defer { cluster.root.remove() }
    try cluster.host("server", profile: "a6000-48gb", scenario: .wrongToken)
    try cluster.host("s2", profile: "a6000-48gb", scenario: .wrongToken)
    #expect(cluster.installServer("server").status == 0)
    #expect(try cluster.join("s2", to: "server", token: cluster.token(of: "server")).status == 0)
    let journal = cluster.run("s2", "journalctl", ["-u", "k3s-agent"]).out
    #expect(journal.contains("401 Unauthorized"), "\(journal)")
    #expect(cluster.run("server", "kubectl", ["get", "node", "s2"]).status == 1)
  }

  @Test func aDuplicateNodeNameIsRejectedUnlessK3sNodeNameSetsAnother() throws {
    let cluster = try Cluster()
    defer { cluster.root.remove() }
    try cluster.host("server", profile: "a6000-48gb")
    try cluster.host("s2", profile: "a6000-48gb")
    try cluster.host("s2-copy", profile: "a6000-48gb")
    #expect(cluster.installServer("server").status == 0)
    let token = cluster.token(of: "server")
    #expect(try cluster.join("s2", to: "server", token: token).status == 0)
    // A second machine whose hostname collides: k3s refuses its node password.
    try cluster.store("s2-copy").update { $0.nodeName = "s2" }
    #expect(try cluster.join("s2-copy", to: "server", token: token).status == 0)
    #expect(cluster.run("s2-copy", "journalctl", ["-u", "k3s-agent"]).out.contains("duplicate hostname"))
    #expect(
      cluster.run("server", "kubectl", ["get", "nodes", "--no-headers"]).out.split(separator: "\n").count == 2
    )
  }
}

extension SimClusterTests.Cluster {
  func store(_ host: String) -> SimStore { SimStore(directory: root.path + "/" + host) }
}
