import Foundation
import TestSupport
import Testing

/// `labrun plan` through the built binary: it shows how the host resolves and every input,
/// and refuses an option it cannot honour.
@Suite struct PlanCommandTests {
  /// Defect: plan accepted `-F` and `--identity` and ignored them, showed `sim_scenario = none`
  /// for a real host, and hid what `kubectl apply -f -` and the owner file's `tee` are fed.
  @Test func planShowsHowTheHostResolvesAndWhatEachCommandIsFed() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    try FileManager.default.createDirectory(at: fixture.root.url, withIntermediateDirectories: true)
    let config = fixture.root.appending("ssh_config")
    try Data("Host *.lab\n  User labuser\n  Port 2222\n".utf8).write(to: config)
    let key = fixture.root.appending("lab_key")
    let plan = try await fixture.labrun([
      "plan", "--host", "gpu-7.invalid.lab", "-F", config.path, "--identity", key.path,
    ])
    #expect(plan.status == 0, "\(plan)")
    let text = plan.stdout
    #expect(text.contains("hostname         gpu-7.invalid.lab"), "\(text)")
    #expect(text.contains("user             labuser"), "\(text)")
    #expect(text.contains("port             2222"), "\(text)")
    #expect(text.contains("identity files   \(key.path)"), "\(text)")
    #expect(!text.contains("sim_scenario"), "a real host has no simulated scenario: \(text)")
    #expect(text.contains("slice_mib = 8000"), "\(text)")
    // What kubectl apply -f - and tee are fed, under the command.
    #expect(text.contains("$ kubectl apply -f -\n         stdin ("), "\(text)")
    #expect(text.contains("         | kind: Pod"), "\(text)")
    #expect(text.contains("tee /var/lib/labrun/owner >/dev/null'\n         stdin (3 lines):"), "\(text)")
    #expect(
      text.contains("         | run=<run-id>\n         | controller=<this-host>"), "the owner file: \(text)")

    let json = try await fixture.labrun([
      "plan", "--host", "gpu-7.invalid.lab", "-F", config.path, "--identity", key.path, "--json",
    ])
    #expect(json.status == 0, "\(json)")
    let document = try #require(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    let resolution = document["resolution"] as? [String: Any]
    #expect(resolution?["hostname"] as? String == "gpu-7.invalid.lab", "\(json.stdout)")
    #expect(resolution?["port"] as? Int == 2222)
    #expect((resolution?["identity_files"] as? [String])?.first == key.path)
    let steps = document["steps"] as? [[String: Any]] ?? []
    let inputs = steps.flatMap { $0["inputs"] as? [[String: Any]] ?? [] }
    #expect(inputs.contains { ($0["stdin"] as? String)?.contains("kind: Pod") == true }, "\(json.stdout)")
  }

  /// A simulated host shows its scenario and no ssh resolution; plan connects to nothing, so
  /// --accept-new-host-key has nothing to accept and is refused, saying where it belongs.
  @Test func simulatedHostAndAcceptNewHostKey() async throws {
    let fixture = try SelfTestLabFixture()
    defer { fixture.remove() }
    let simulated = try await fixture.labrun(["plan", "--host", "sim", "--phase", "up"])
    #expect(simulated.status == 0, "\(simulated)")
    #expect(simulated.stdout.contains("sim_scenario = none"), "\(simulated)")
    #expect(simulated.stdout.contains("host: labrun's simulated GPU host"), "\(simulated)")
    let accept = try await fixture.labrun(["plan", "--host", "user@203.0.113.7", "--accept-new-host-key"])
    #expect(accept.status == 64, "\(accept)")
    #expect(accept.stderr.contains("labrun up"), "\(accept)")
  }
}
