import Foundation
import LabPipeline
import LabSim
import TestSupport
import Testing

/// `sim+ALIAS`: the far side must run this very labrun for the simulated tools. Over the
/// loopback sshd of the end-to-end tests the far side always has it; these cover a far side
/// that has none, or another version, at the same path.
@Suite struct SimulatedTransportTests {
  /// A stand-in labrun executable, the simulated host that links to it, and a far side whose
  /// file at the labrun's path has the SHA-256 `farDigest` (nil: the same as labrun's).
  struct FarSide {
    let scratch: TemporaryDirectory
    let host: SimulatedHost
    let inner: RecordingTransport

    init(farDigest: String? = nil) throws {
      scratch = try TemporaryDirectory()
      let tool = scratch.appending("labrun")
      let bytes = Data("#!/bin/sh\necho labrun\n".utf8)
      try bytes.write(to: tool)
      try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tool.path)
      let profile = try #require(SimProfile.named(SimProfile.defaultID))
      host = SimulatedHost(
        directory: "/far/sim/\(profile.id)", profile: profile, scenario: nil, tool: tool.path)
      let digest = farDigest ?? Artifact.hexDigest(of: bytes)
      // A far side over ssh: on this machine (`.local`) the tool is this very file.
      inner = RecordingTransport(target: TargetInfo(name: "far", kind: .ssh)) { command in
        command.script.contains("sha256sum")
          ? RecordingTransport.output("\(digest)  path\n") : RecordingTransport.output()
      }
    }

    func open(environment: [String: String] = [:]) async throws -> SimulatedTransport {
      try await SimulatedTransport.open(host: host, inner: inner, name: "sim+far", environment: environment)
    }

    /// The last command sent to the far side.
    func lastScript() async throws -> String {
      try #require(await inner.commands.last?.script)
    }
  }

  @Test func uploadsItselfWhenTheFarSideHasAnotherLabrunAtThatPath() async throws {
    let far = try FarSide(farDigest: String(repeating: "0", count: 64))
    defer { far.scratch.remove() }
    _ = try await far.open()
    let uploads = await far.inner.uploads
    #expect(uploads.map(\.0.path) == [far.host.tool])
    #expect(uploads.map(\.1) == ["\(far.host.directory)/labrun"])
    let setup = try await far.lastScript()
    let uploaded = ShellQuote.quote("\(far.host.directory)/labrun")
    #expect(
      setup.contains("ln -sf \(uploaded) \(ShellQuote.quote(far.host.directory))/bin/nvidia-smi"), "\(setup)")
  }

  @Test func usesTheFarSidesCopyWhenItsDigestMatches() async throws {
    let far = try FarSide()
    defer { far.scratch.remove() }
    _ = try await far.open()
    #expect(await far.inner.uploads.isEmpty)
    let setup = try await far.lastScript()
    #expect(setup.contains("ln -sf \(ShellQuote.quote(far.host.tool)) "), "\(setup)")
  }

  /// On this machine the far side's file is this very labrun: nothing is hashed, compared or
  /// uploaded, and the links point at it.
  @Test func onThisMachineTheToolIsThisVeryFile() async throws {
    let far = try FarSide()
    defer { far.scratch.remove() }
    let local = RecordingTransport(target: TargetInfo(name: "here", kind: .local))
    _ = try await SimulatedTransport.open(host: far.host, inner: local, name: "sim")
    let scripts = await local.commands.map(\.script)
    #expect(scripts.count == 1 && !scripts.contains { $0.contains("&& sha256sum") }, "\(scripts)")
    #expect(await local.uploads.isEmpty)
    #expect(scripts.last?.contains("ln -sf \(ShellQuote.quote(far.host.tool)) ") == true)
  }

  /// The tools are labrun: a loader path labrun needed (libssh2 outside the system's library
  /// directories) goes into the closed environment; nothing else of labrun's does.
  @Test func passesTheLoaderPathIntoTheClosedEnvironment() async throws {
    let far = try FarSide()
    defer { far.scratch.remove() }
    let transport = try await far.open(environment: [
      "LD_LIBRARY_PATH": "/opt/libssh2/lib", "LABRUN_SIM_SLOW_MS": "5", "SECRET_TOKEN": "x",
    ])
    _ = try await transport.run(RemoteCommand("nvidia-smi -L"))
    let wrapped = try await far.lastScript()
    #expect(wrapped.hasPrefix("/usr/bin/env -i "), "\(wrapped)")
    #expect(wrapped.contains(" LD_LIBRARY_PATH=/opt/libssh2/lib "), "\(wrapped)")
    #expect(wrapped.contains(" LABRUN_SIM_SLOW_MS=5 "), "\(wrapped)")
    #expect(!wrapped.contains("SECRET_TOKEN"), "\(wrapped)")
  }
}
