import Foundation
import LabPipeline
import TestSupport
import Testing

@testable import BundleSigning

extension BundleSigningSuites {
  /// `labrun bundle -o FILE [--sign KEY]` in-process: FILE and FILE.sig are replaced only once
  /// the new archive is complete and signed, with real keys made by ssh-keygen.
  @Suite struct SignedArchiveTests {
    /// A fixture run, a throwaway key and where the archive goes.
    struct Setup {
      let fixture: OpenSSHFixture
      let run: EvidenceFixture
      var archive: URL { fixture.directory.appending("evidence.tar.gz") }
      var signature: URL { fixture.directory.appending("evidence.tar.gz.sig") }

      init() throws {
        fixture = try OpenSSHFixture()
        run = try EvidenceFixture(copying: Fixtures.bundle("a6000-validated"), checksums: .compute)
      }

      @discardableResult
      func bundle(signingKey: URL?, environment: [String: String] = [:]) throws -> BundleOutput {
        try BundleArchive.create(
          runDirectory: run.directory, output: archive, signingKey: signingKey?.path, environment: environment
        )
      }

      /// Every file beside the archive (temporary files of a failed write would show here).
      func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: fixture.directory.path)
          .filter { $0.hasPrefix("evidence") || $0.hasPrefix(".evidence") }.sorted()
      }

      func remove() {
        run.remove()
        fixture.remove()
      }
    }

    /// `labrun bundle --fleet ID --sign KEY`: the fleet's archive is signed as one run's is,
    /// and holds the fleet's record and its host's run.
    @Test func aFleetBundleIsSignedAsOneRunsIs() async throws {
      let setup = try Setup()
      defer { setup.remove() }
      let state = StateDirectory(root: setup.fixture.directory.appending("state"))
      try FileManager.default.createDirectory(at: state.runsDirectory, withIntermediateDirectories: true)
      let runID = setup.run.directory.lastPathComponent
      try FileManager.default.copyItem(at: setup.run.directory, to: state.runDirectory(id: runID))
      let fleet = try FleetStore(state: state).create(
        lab: "hami-isolation-realgpu", hosts: [.init(target: "gpu-a")])
      try await fleet.recordRun(host: "gpu-a", runID: runID)
      let key = try await setup.fixture.makeKey(.ed25519, name: "signer")
      let written = try FleetBundle.create(
        fleet: fleet.id, state: state, output: setup.archive, signingKey: key.path, environment: [:])
      #expect(written.signature?.path == setup.signature.standardizedFileURL.path)
      let allowed = try setup.fixture.writeAllowedSigners(["a@b \(setup.fixture.publicKeyLine(key))"])
      _ = try SSHSignature.verifyBundle(
        at: setup.archive, allowedSigners: AllowedSigners(contentsOf: allowed))
      try BundleArchive.unpacked(setup.archive) { directory in
        let unpacked = try #require(FleetBundle.fleetDirectory(in: directory))
        #expect(try FleetBundle.record(in: unpacked).hosts.map(\.runID) == [runID])
        _ = try EvidenceBundle.load(directory: unpacked.appendingPathComponent("runs/\(runID)"))
      }
    }

    /// Defect: the second `bundle -o FILE` deleted FILE and failed ("The file doesn't exist"),
    /// the third worked, the fourth failed again.
    @Test func writingTheSameFileAgainReplacesIt() async throws {
      let setup = try Setup()
      defer { setup.remove() }
      let key = try await setup.fixture.makeKey(.ed25519, name: "signer")
      var archives: [Data] = []
      for round in 1...4 {
        let written = try setup.bundle(signingKey: round.isMultiple(of: 2) ? key : nil)
        #expect(written.archive.path == setup.archive.standardizedFileURL.path, "round \(round)")
        archives.append(try Data(contentsOf: setup.archive))
        #expect((written.signature != nil) == round.isMultiple(of: 2), "round \(round)")
      }
      #expect(Set(archives).count == 1, "the same run packs to the same bytes every time")
      #expect(try setup.files() == ["evidence.tar.gz", "evidence.tar.gz.sig"])
      let allowed = try setup.fixture.writeAllowedSigners(["a@b \(setup.fixture.publicKeyLine(key))"])
      _ = try SSHSignature.verifyBundle(
        at: setup.archive, allowedSigners: AllowedSigners(contentsOf: allowed))
    }

    /// An unsigned archive over a signed one: the old signature no longer matches, so it goes.
    @Test func anUnsignedArchiveRemovesTheSignatureOfTheOneItReplaces() async throws {
      let setup = try Setup()
      defer { setup.remove() }
      let key = try await setup.fixture.makeKey(.ed25519, name: "signer")
      try setup.bundle(signingKey: key)
      let written = try setup.bundle(signingKey: nil)
      #expect(written.removedSignature?.path == setup.signature.standardizedFileURL.path)
      #expect(try setup.files() == ["evidence.tar.gz"])
    }

    /// Defect: a failed --sign (missing key, encrypted key without agent, .pub without agent)
    /// still wrote the archive, and a missing key said only "The operation could not be
    /// completed". Now the previous archive and signature stay byte for byte, nothing unsigned
    /// appears, and the message names the key file and the fix.
    @Test(arguments: ["missing", "encrypted", "public"])
    func aKeyThatCannotSignChangesNoFile(key kind: String) async throws {
      let setup = try Setup()
      defer { setup.remove() }
      let good = try await setup.fixture.makeKey(.ed25519, name: "good")
      try setup.bundle(signingKey: good)
      let before = (try Data(contentsOf: setup.archive), try Data(contentsOf: setup.signature))
      let key: URL
      switch kind {
      case "missing": key = setup.fixture.directory.appending("no-such-key")
      case "encrypted":
        key = try await setup.fixture.makeKey(.ed25519, name: "locked", passphrase: "secret phrase")
      default: key = setup.fixture.publicKeyFile(try await setup.fixture.makeKey(.ed25519, name: "public"))
      }
      // The run changes, so an archive written now would differ from the previous one.
      try Data("changed\n".utf8).write(to: setup.run.directory.appendingPathComponent("notes.txt"))
      let error = #expect(throws: BundleSignatureError.self) {
        try setup.bundle(signingKey: key, environment: [:])
      }
      let message = error.map(String.init(describing:)) ?? ""
      #expect(message.contains(key.path), "\(message)")
      #expect(!message.contains("could not be completed"), "\(message)")
      if kind == "missing" { #expect(message.contains("no such file"), "\(message)") }
      #expect(try Data(contentsOf: setup.archive) == before.0, "the previous archive is unchanged")
      #expect(try Data(contentsOf: setup.signature) == before.1, "the previous signature is unchanged")
      #expect(try setup.files() == ["evidence.tar.gz", "evidence.tar.gz.sig"])
    }

    /// A signer that fails after the archive was packed (the agent refused) leaves no archive
    /// under the requested name when there was none before, and no temporary file.
    @Test func aSignerThatFailsLeavesNoUnsignedArchive() async throws {
      let setup = try Setup()
      defer { setup.remove() }
      let agent = try await setup.fixture.startAgent()
      let key = try await setup.fixture.makeKey(.ed25519, name: "agent-key")
      try await agent.add(key)
      let signer = try SigningKey.load(
        path: setup.fixture.publicKeyFile(key).path, environment: agent.environment)
      agent.stop()
      #expect(throws: BundleSignatureError.self) {
        try BundleArchive.create(runDirectory: setup.run.directory, output: setup.archive, signer: signer)
      }
      #expect(try setup.files() == [])
    }
  }
}
