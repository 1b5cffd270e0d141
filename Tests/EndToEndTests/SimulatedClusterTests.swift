import Foundation
import LabPipeline
import TestSupport
import Testing

/// The built labrun provisioning a simulated k3s cluster (`--host` the server, `--node` each
/// agent): every agent joins with the server's token, a node without a GPU is left unlabelled,
/// `down --purge` uninstalls k3s from every node, and the minted token shows in nothing labrun
/// printed or wrote.
@Suite struct SimulatedClusterTests {
  static let nodes = ["sim:a6000-48gb/s2", "sim:h100-80gb/s3", "sim:cpu-only/c4"]
  static var target: [String] { ["--host", "sim/server"] + nodes.flatMap { ["--node", $0] } }

  /// A simulated machine's model, as its tools keep it.
  static func state(_ fixture: SelfTestLabFixture, _ profile: String, _ name: String) throws -> [String: Any]
  {
    let file = fixture.home.appendingPathComponent("sim/\(profile)/hosts/\(name)/state.json")
    return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
  }

  /// Acceptance 1 of issue 23, in one run of the binary: up, the exercises, the page, down --purge.
  @Test func aThreeNodeClusterPassesEveryExerciseAndDownPurgeRemovesK3sFromEveryNode() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let up = try await fixture.labrun(["up"] + Self.target)
    #expect(up.status == 0, "\(up)")
    let server = try Self.state(fixture, "a6000-48gb", "server")
    let token = try #require(server["joinToken"] as? String)
    #expect(token.wholeMatch(of: /K10[0-9a-f]{64}::server:[0-9a-f]{32}/) != nil)
    let agents = try #require(server["agents"] as? [[String: Any]])
    #expect(agents.compactMap { $0["name"] as? String } == ["s2", "s3", "c4"])
    let labelled = agents.map { (($0["labels"] as? [String: String]) ?? [:])["gpu"] }
    #expect(labelled == ["on", "on", nil])
    #expect(up.stderr.contains("c4 has no GPU: not labelled"), "\(up.stderr)")
    // Every GPU agent got the toolkit before its k3s, so its default runtime is nvidia; the node
    // without a GPU neither.
    #expect(agents.compactMap { $0["defaultRuntime"] as? String } == ["nvidia", "nvidia", "runc"])
    #expect(try Self.state(fixture, "h100-80gb", "s3")["toolkitInstalled"] as? Bool == true)
    #expect(try Self.state(fixture, "cpu-only", "c4")["toolkitInstalled"] as? Bool == false)
    // The plan names every node's commands and no token.
    let plan = try await fixture.labrun(["plan", "--purge"] + Self.target)
    #expect(plan.status == 0, "\(plan)")
    for node in Self.nodes { #expect(plan.stdout.contains("[on \(node)] ")) }
    #expect(plan.stdout.contains("[on sim:h100-80gb/s3] sudo -n sh -c k3s-agent-uninstall.sh"))

    // Exercises 1-5 on every GPU node, pinned to it; 8 and 9 across nodes; c4 listed and skipped.
    let exercises = try await fixture.labrun(["exercises"])
    #expect(exercises.status == 0, "\(exercises)")
    #expect(exercises.stderr.contains("c4 has no GPU: listed and skipped"), "\(exercises.stderr)")
    let report = try await fixture.labrun(["report", "--format", "json"])
    #expect(report.status == 0, "\(report)")
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
    let results = try #require(json["exercises"] as? [[String: Any]])
    let verdicts = Dictionary(
      results.map { ($0["id"] as? String ?? "", $0["verdict"] as? String ?? "") }, uniquingKeysWith: { $1 })
    let expected = ["server", "s2", "s3"].flatMap { node in (1...5).map { "\($0)@\(node)" } } + ["8", "9"]
    #expect(Set(verdicts.keys) == Set(expected), "\(verdicts)")
    #expect(verdicts.values.allSatisfy { $0 == "PASS" }, "\(verdicts)")
    // Each node's sizes come from its own card; the page names each node's card.
    let page = try await fixture.labrun(["report"])
    #expect(page.stdout.contains("Co-residency on s3 (H100"), "\(page.stdout)")
    #expect(page.stdout.contains("Co-residency on s2 (RTX A6000"))
    #expect(page.stdout.contains("c4: listed and skipped"))
    let run = try #require(
      try FileManager.default.contentsOfDirectory(atPath: fixture.home.appendingPathComponent("runs").path)
        .first)
    let artifacts = fixture.home.appendingPathComponent("runs/\(run)/artifacts")
    let files = try FileManager.default.contentsOfDirectory(atPath: artifacts.path)
    #expect(files.contains("2-3-probe-memory-a@s3.txt") && !files.contains { $0.hasSuffix("@c4.txt") })

    let down = try await fixture.labrun(["down", "--purge"])
    #expect(down.status == 0, "\(down)")
    for (profile, name) in [
      ("a6000-48gb", "s2"), ("h100-80gb", "s3"), ("cpu-only", "c4"), ("a6000-48gb", "server"),
    ] {
      let state = try Self.state(fixture, profile, name)
      #expect(state["k3sVersion"] == nil, "\(name) still has k3s")
      #expect((state["files"] as? [String: String])?["/var/lib/labrun/owner"] == nil, "\(name) still owned")
      #expect(state["toolkitInstalled"] as? Bool == false, "\(name) still has the toolkit")
    }
    let everything =
      [
        up.stdout, up.stderr, plan.stdout, plan.stderr, exercises.stdout, exercises.stderr, page.stdout,
        down.stdout, down.stderr,
      ].joined()
      + WrittenText.under(fixture.home.appendingPathComponent("runs"))
    #expect(!everything.contains(token))
    #expect(!everything.contains(String(token.suffix(32))))
  }

  @Test func aBlockedServerPortStopsUpAtTheJoinNamingThePort() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let up = try await fixture.labrun(
      ["up"] + Self.target + ["--param", "sim_scenario=agent-cannot-reach-server"])
    #expect(up.status == 1, "\(up)")
    #expect(up.stderr.contains("a firewall or security group blocks 6443/tcp"), "\(up.stderr)")
    #expect(up.stderr.contains("8472/udp"))
  }

  @Test func aRotatedTokenStopsUpQuotingTheAgentsLog() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let up = try await fixture.labrun(["up"] + Self.target + ["--param", "sim_scenario=wrong-token"])
    #expect(up.status == 1, "\(up)")
    #expect(up.stderr.contains("401 Unauthorized"), "\(up.stderr)")
    let token = try #require(try Self.state(fixture, "a6000-48gb", "server")["joinToken"] as? String)
    #expect(!(up.stdout + up.stderr).contains(token))
  }

  @Test func aLabOnOneHostRefusesNodes() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let up = try await fixture.labrun(fixture.selftest("up", extra: ["--node", "sim/s2"]))
    #expect(up.status == 64, "\(up)")
    #expect(up.stderr.contains("runs on one host"), "\(up.stderr)")
  }
}
