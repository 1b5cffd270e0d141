import Foundation
import Testing

@testable import TestSupport

/// Issue 12 item 6: `-F` and `--identity` are recorded in the run and reused by `exercises` and
/// `down`; accepted host keys live in the user's XDG state directory, so another working
/// directory (another LABRUN_HOME) does not ask again.
@Suite(.serialized) struct ConnectionOptionsTests {
  @Test func theRunRemembersHowItReachedItsTarget() async throws {
    let server = try await LoopbackSSHServer.start()
    defer { server.stop() }
    let binary = try LabrunBinary()
    let scratch = try TemporaryDirectory(prefix: "labrun-connection")
    defer { scratch.remove() }
    // The alias has no IdentityFile: only --identity gets in.
    let config = try server.writeSSHConfig(alias: "gpu-vm", identity: nil)
    let key = try #require(server.keys["ed25519"])
    let markers = scratch.appending("markers")
    let first = scratch.appending("first")
    let environment = ["HOME": server.clientHome.path, "LABRUN_HOME": first.path, "SSH_AUTH_SOCK": ""]
    let up = try await binary.run(
      [
        "up", "--host", "gpu-vm", "-F", config.path, "--identity", key.path, "--accept-new-host-key",
        "--lab", "selftest", "--param", "marker_dir=\(markers.path)",
      ], environment: environment)
    #expect(up.status == 0, "\(up)")
    let runs = try FileManager.default.contentsOfDirectory(atPath: first.appendingPathComponent("runs").path)
    let run = try #require(runs.first.map { first.appendingPathComponent("runs/\($0)") })
    let record = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: run.appendingPathComponent("run.json")))
        as? [String: Any])
    let connection = record["connection"] as? [String: String]
    #expect(connection?["ssh_config"] == config.path, "\(record)")
    #expect(connection?["identity"] == key.path, "\(record)")

    // Later commands without -F or --identity reach the target as up did.
    let exercises = try await binary.run(["exercises"], environment: environment)
    #expect(exercises.status == 0, "\(exercises)")
    let down = try await binary.run(["down"], environment: environment)
    #expect(down.status == 0, "\(down)")

    // The accepted key is the user's, not the working directory's.
    let known = server.clientHome.appendingPathComponent(".local/state/labrun/known_hosts")
    #expect(try String(contentsOf: known, encoding: .utf8).contains("[127.0.0.1]:\(server.port) ssh-ed25519"))
    #expect(!FileManager.default.fileExists(atPath: first.appendingPathComponent("known_hosts").path))
    let elsewhere = [
      "HOME": server.clientHome.path, "LABRUN_HOME": scratch.appending("second").path, "SSH_AUTH_SOCK": "",
    ]
    let ping = try await binary.run(
      ["ping", "--host", "gpu-vm", "-F", config.path, "--identity", key.path], environment: elsewhere)
    #expect(ping.status == 0, "another state directory must not ask again: \(ping)")

    // $XDG_STATE_HOME, when set, is where the key goes.
    let xdg = scratch.appending("xdg")
    let fresh = try await binary.run(
      ["ping", "--host", "gpu-vm", "-F", config.path, "--identity", key.path, "--accept-new-host-key"],
      environment: elsewhere.merging(["HOME": scratch.appending("nobody").path, "XDG_STATE_HOME": xdg.path]) {
        $1
      })
    #expect(fresh.status == 0, "\(fresh)")
    #expect(FileManager.default.fileExists(atPath: xdg.appendingPathComponent("labrun/known_hosts").path))
  }
}
