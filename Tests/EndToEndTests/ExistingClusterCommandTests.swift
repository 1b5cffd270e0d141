import Foundation
import LabPipeline
import TestSupport
import Testing

/// The built labrun on a simulated cluster it did not provision (`--kubeconfig`, issue 23
/// acceptance 2): three nodes (an RTX A6000, an H100, one without a GPU); up, exercises, report
/// and down leave every object of the cluster as they found it (all namespaces; HAMi's handshake
/// annotation, which HAMi itself keeps rewriting on every node, aside); exercises 1-5 run on each
/// GPU node, 8 and 9 across them, the node without a GPU is listed and skipped; and the
/// kubeconfig's credentials and server URL show in nothing labrun printed, wrote or bundled.
@Suite struct ExistingClusterCommandTests {
  static let token = "labrun-e2e-token-5d1c0b7e9a"
  static let clientKey = "TEFCUlVOLUUyRS1DTElFTlQtS0VZLVNIT1VMRC1OT1QtTEVBSw=="
  static let authority = "TEFCUlVOLUUyRS1DQS1EQVRBLVNIT1VMRC1OT1QtTEVBSw=="
  static let server = "https://a6000-48gb.h100-80gb.cpu-only.sim.labrun.invalid:6443"

  static func kubeconfig(server: String = server) -> String {
    """
    apiVersion: v1
    kind: Config
    clusters:
    - name: shared-gpu
      cluster:
        server: \(server)
        certificate-authority-data: \(authority)
    contexts:
    - name: ml-platform
      context:
        cluster: shared-gpu
        user: ci
        namespace: team-a
    current-context: ml-platform
    users:
    - name: ci
      user:
        token: \(token)
        client-key-data: \(clientKey)

    """
  }

  /// The pre-built cluster's model, less what is not an object of the cluster: the simulator's
  /// change log and pid counter, and the annotation HAMi's device plugin keeps rewriting on each
  /// node (the first node's and every other node's).
  static func objects(_ state: [String: Any]) -> [String: Any] {
    var objects = state
    objects["changes"] = nil
    objects["nextPID"] = nil
    var annotations = objects["nodeAnnotations"] as? [String: Any] ?? [:]
    annotations["hami.io/node-handshake-nvidia"] = nil
    objects["nodeAnnotations"] = annotations
    objects["agents"] = (objects["agents"] as? [[String: Any]] ?? []).map { node in
      var node = node
      var annotations = node["annotations"] as? [String: Any] ?? [:]
      annotations["hami.io/node-handshake-nvidia"] = nil
      node["annotations"] = annotations
      return node
    }
    return objects
  }

  /// The handshake annotation of every node, first node first.
  static func handshakes(_ state: [String: Any]) -> [String?] {
    [(state["nodeAnnotations"] as? [String: Any])?["hami.io/node-handshake-nvidia"] as? String]
      + (state["agents"] as? [[String: Any]] ?? []).map {
        ($0["annotations"] as? [String: Any])?["hami.io/node-handshake-nvidia"] as? String
      }
  }

  static func state(_ fixture: SelfTestLabFixture) throws -> [String: Any] {
    let file = fixture.home.appendingPathComponent("sim/existing/a6000-48gb.h100-80gb.cpu-only/state.json")
    return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
  }

  static func canonical(_ object: [String: Any]) throws -> String {
    String(
      decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
  }

  @Test func aClusterLabrunDidNotProvisionIsLeftAsItWasFound() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    try FileManager.default.createDirectory(at: fixture.workingDirectory, withIntermediateDirectories: true)
    let config = fixture.workingDirectory.appendingPathComponent("kubeconfig")
    try Self.kubeconfig().write(to: config, atomically: true, encoding: .utf8)
    let target = ["--kubeconfig", "kubeconfig"]
    // From the directory that holds the kubeconfig, as a user would.
    let labrun = { (arguments: [String]) in try await fixture.labrun(arguments, inScratchDirectory: true) }

    // Refusals first: they leave no run behind.
    let missing = try await labrun(["up", "--kubeconfig", "nowhere.yaml"])
    #expect(missing.status == 2, "\(missing)")
    #expect(missing.stderr.contains("--kubeconfig") && missing.stderr.contains("no such file"), "\(missing)")
    let unknown = try await labrun(["up"] + target + ["--context", "prod"])
    #expect(unknown.status == 2, "\(unknown)")
    #expect(
      unknown.stderr.contains("no such context") && unknown.stderr.contains("ml-platform"), "\(unknown)")
    #expect((try? fixture.runDirectories())?.isEmpty ?? true)

    let up = try await labrun(["up"] + target)
    #expect(up.status == 0, "\(up)")
    #expect(up.stderr.contains("HAMi 2.7.1"), "\(up.stderr)")
    // up provisioned nothing: the model logged no change since it was pre-built.
    let before = try Self.state(fixture)
    #expect((before["changes"] as? [Any])?.isEmpty == true, "\(before["changes"] ?? "")")
    let handshakesBefore = Self.handshakes(before)
    #expect((before["agents"] as? [Any])?.count == 2, "\(before["agents"] ?? "")")

    // The run belongs to its cluster: another cluster's kubeconfig is refused, not switched to.
    let elsewhere = fixture.workingDirectory.appendingPathComponent("other-kubeconfig")
    try Self.kubeconfig(server: "https://h100-80gb.sim.labrun.invalid").write(
      to: elsewhere, atomically: true, encoding: .utf8)
    let switched = try await labrun(["exercises", "--kubeconfig", "other-kubeconfig"])
    #expect(switched.status == 2, "\(switched)")
    #expect(switched.stderr.contains("is on another cluster"), "\(switched)")

    let exercises = try await labrun(["exercises"])
    #expect(exercises.status == 0, "\(exercises)")
    #expect(exercises.stderr.contains("12 PASS"), "\(exercises.stderr)")
    #expect(exercises.stderr.contains("cpu-node-3 has no GPU HAMi registered: listed and skipped"))
    // The exercises' objects were in labrun's namespace only: what is left of them before down
    // (exercise 9's Pending pod), and each pod they made, as the pods' node logs show.
    let during = try Self.state(fixture)
    let pods = (during["pods"] as? [[String: Any]]) ?? []
    let labPods = pods.filter { ($0["name"] as? String)?.hasPrefix("hami-") == true }
    #expect(!labPods.isEmpty && labPods.allSatisfy { $0["namespace"] as? String == "labrun" }, "\(labPods)")

    // One row per GPU node and exercise, each node's card as HAMi registered it; 8 and 9 across.
    let json = try await labrun(["report", "--format", "json"])
    let results = try #require(
      (try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["exercises"]
        as? [[String: Any]], "\(json)")
    let verdicts = Dictionary(
      results.map { ($0["id"] as? String ?? "", $0["verdict"] as? String ?? "") }, uniquingKeysWith: { $1 })
    let expected =
      ["gpu-node-1", "gpu-node-2"].flatMap { node in (1...5).map { "\($0)@\(node)" } } + ["8", "9"]
    #expect(Set(verdicts.keys) == Set(expected) && verdicts.values.allSatisfy { $0 == "PASS" }, "\(verdicts)")

    let report = try await labrun(["report"] + target)
    #expect(report.status == 0, "\(report)")
    #expect(report.stdout.contains("SIMULATED"), "\(report.stdout.prefix(400))")
    #expect(report.stdout.contains("Co-residency on gpu-node-2 (H100"), "\(report.stdout)")
    #expect(report.stdout.contains("Co-residency on gpu-node-1 (RTX A6000)"))
    #expect(report.stdout.contains("as HAMi registered them (hami.io/node-nvidia-register"))
    #expect(report.stdout.contains("cpu-node-3: no hami.io/node-nvidia-register; listed and skipped"))
    let down = try await labrun(["down"])
    #expect(down.status == 0, "\(down)")

    let after = try Self.state(fixture)
    #expect(try Self.canonical(Self.objects(after)) == Self.canonical(Self.objects(before)))
    // HAMi kept rewriting its handshake on each GPU node meanwhile: the comparison had to leave it out.
    let handshakesAfter = Self.handshakes(after)
    #expect(handshakesAfter.count == 3 && handshakesAfter[2] == nil, "\(handshakesAfter)")
    for (node, (was, now)) in zip(handshakesBefore, handshakesAfter).prefix(2).enumerated() {
      #expect(now != nil && now != was, "node \(node + 1): \(was ?? "-") → \(now ?? "-")")
    }
    #expect(
      (after["changes"] as? [String])?.contains("delete namespace labrun") == true,
      "\(after["changes"] ?? "")")

    // run.json names the cluster by context and a hash of its server URL, never the URL itself.
    let run = try fixture.onlyRun()
    let record = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("run.json")))
        as? [String: Any])
    let cluster = try #require((record["target"] as? [String: Any])?["cluster"] as? [String: Any])
    #expect(cluster["context"] as? String == "ml-platform")
    let parameters = record["parameters"] as? [String: Any] ?? [:]
    #expect(parameters["cluster_server_version"] as? String == "v1.31.4+k3s1")
    #expect(parameters["cluster_nodes"] as? [String] == ["gpu-node-1", "gpu-node-2", "cpu-node-3"])
    #expect(parameters["cluster_gpu_nodes"] as? [String] == ["gpu-node-1", "gpu-node-2"])
    #expect(parameters["cluster_cpu_nodes"] as? [String] == ["cpu-node-3"])
    #expect(parameters["hami_installed_version"] as? String == "2.7.1")
    #expect(cluster["server_sha256"] as? String == Artifact.hexDigest(of: Data(Self.server.utf8)))

    let bundle = try await labrun(["bundle"])
    #expect(bundle.status == 0, "\(bundle)")
    let archive = URL(
      fileURLWithPath: bundle.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
      relativeTo: fixture.workingDirectory)
    let unpacked = fixture.root.appending("unpacked")
    try FileManager.default.createDirectory(at: unpacked, withIntermediateDirectories: true)
    let tar = await SpawnedProcess.completed(["/bin/tar", "-xzf", archive.path, "-C", unpacked.path])
    #expect(tar.status == 0, "\(tar)")
    let everything =
      [missing, unknown, up, switched, exercises, json, report, down, bundle].map { $0.stdout + $0.stderr }
      .joined()
      + WrittenText.under(fixture.home.appendingPathComponent("runs")) + WrittenText.under(unpacked)
    #expect(!WrittenText.under(unpacked).isEmpty)
    for secret in [Self.token, Self.clientKey, Self.authority, Self.server, "sim.labrun.invalid"] {
      #expect(!everything.contains(secret), "\(secret) leaked")
    }
  }
}
