import Foundation
import LabPipeline
import LabSim
import TestSupport
import Testing

/// `sim+ALIAS`: the far side must run this very labrun for the simulated tools. Over the
/// loopback sshd of the end-to-end tests the far side always has it; these cover a far side
/// that has none, or another version, at the same path.
@Suite struct SimulatedTransportTests {
  /// A stand-in labrun executable and the simulated host that links to it.
  static func host(in scratch: TemporaryDirectory) throws -> (SimulatedHost, String) {
    let tool = scratch.appending("labrun")
    let bytes = Data("#!/bin/sh\necho labrun\n".utf8)
    try bytes.write(to: tool)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tool.path)
    let profile = try #require(SimProfile.named(SimProfile.defaultID))
    let host = SimulatedHost(
      directory: "/far/sim/\(profile.id)", profile: profile, scenario: nil, tool: tool.path)
    return (host, Artifact.hexDigest(of: bytes))
  }

  @Test func uploadsItselfWhenTheFarSideHasAnotherLabrunAtThatPath() async throws {
    let scratch = try TemporaryDirectory()
    defer { scratch.remove() }
    let (host, _) = try Self.host(in: scratch)
    let inner = RecordingTransport { command in
      command.script.contains("sha256sum")
        ? RecordingTransport.output(String(repeating: "0", count: 64) + "  path\n")
        : RecordingTransport.output()
    }
    _ = try await SimulatedTransport.open(host: host, inner: inner, name: "sim+far")
    let uploads = await inner.uploads
    #expect(uploads.map(\.0.path) == [host.tool])
    #expect(uploads.map(\.1) == ["\(host.directory)/labrun"])
    let setup = try #require(await inner.commands.last?.script)
    let uploaded = ShellQuote.quote("\(host.directory)/labrun")
    #expect(
      setup.contains("ln -sf \(uploaded) \(ShellQuote.quote(host.directory))/bin/nvidia-smi"), "\(setup)")
  }

  @Test func usesTheFarSidesCopyWhenItsDigestMatches() async throws {
    let scratch = try TemporaryDirectory()
    defer { scratch.remove() }
    let (host, digest) = try Self.host(in: scratch)
    let inner = RecordingTransport { command in
      command.script.contains("sha256sum")
        ? RecordingTransport.output("\(digest)  path\n") : RecordingTransport.output()
    }
    _ = try await SimulatedTransport.open(host: host, inner: inner, name: "sim+far")
    #expect(await inner.uploads.isEmpty)
    let setup = try #require(await inner.commands.last?.script)
    #expect(setup.contains("ln -sf \(ShellQuote.quote(host.tool)) "), "\(setup)")
  }
}
