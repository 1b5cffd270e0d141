import Foundation
import LabPipeline
import TestSupport
import Testing

/// `labrun bundle --sign` and `labrun verify --allowed-signers`, through the built binary and
/// the real `ssh-keygen -Y` in both directions.
@Suite(.serialized) struct SignedBundleTests {
  static let sshKeygen = "/usr/bin/ssh-keygen"
  static let principal = "lab@example.org"

  /// A copy of a fixture run, throwaway keys and an allowed_signers file listing `listed`.
  struct Setup {
    let run: EvidenceFixture
    let labrun: LabrunBinary

    var scratch: URL { run.scratch }
    var archive: URL { scratch.appendingPathComponent("evidence.tar.gz") }
    var signature: URL { scratch.appendingPathComponent("evidence.tar.gz.sig") }
    var allowedSigners: URL { scratch.appendingPathComponent("allowed_signers") }

    init(fixture: String = "a6000-validated") throws {
      guard FileManager.default.isExecutableFile(atPath: SignedBundleTests.sshKeygen) else {
        throw SetupError(
          "ssh-keygen not found: install openssh-client (`apt-get install openssh-client`, or `make deps`)")
      }
      labrun = try LabrunBinary()
      run = try EvidenceFixture(copying: Fixtures.bundle(fixture), checksums: .compute)
    }

    /// A new ed25519 key pair `name` (no passphrase); returns the private key file.
    func key(_ name: String) async throws -> URL {
      let key = scratch.appendingPathComponent(name)
      let made = await tool([
        SignedBundleTests.sshKeygen, "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key.path,
      ])
      guard made.status == 0 else { throw SetupError("ssh-keygen -t ed25519 failed: \(made.output)") }
      return key
    }

    /// Writes allowed_signers listing `keys` for the test principal, in the labrun-bundle namespace.
    func allow(_ keys: [URL]) throws {
      let lines = try keys.map { key in
        let publicKey = try String(contentsOf: URL(fileURLWithPath: key.path + ".pub"), encoding: .utf8)
          .split(separator: " ").prefix(2).joined(separator: " ")
        return "\(SignedBundleTests.principal) namespaces=\"labrun-bundle\" \(publicKey)\n"
      }
      try Data(lines.joined().utf8).write(to: allowedSigners)
    }

    /// `ssh-keygen -Y verify` of `archive` with `signature`, as a stranger with stock OpenSSH would.
    func opensshVerifies(_ archive: URL, _ signature: URL) async -> (status: Int32, output: String) {
      await tool(
        [
          SignedBundleTests.sshKeygen, "-Y", "verify", "-f", allowedSigners.path, "-I",
          SignedBundleTests.principal,
          "-n", "labrun-bundle", "-s", signature.path,
        ], input: archive)
    }

    /// Runs a short tool on a thread of its own (the cooperative pool never waits on it), with
    /// `input` on its standard input (a shell redirect: the archive is binary).
    func tool(_ arguments: [String], input: URL? = nil) async -> (status: Int32, output: String) {
      let command = input.map { ["/bin/sh", "-c", "exec \"$@\" < \"$0\"", $0.path] + arguments } ?? arguments
      return await SpawnedProcess.completed(command)
    }

    func remove() { run.remove() }
  }

  struct SetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
  }

  /// labrun signs; stock `ssh-keygen -Y verify` and `labrun verify` both accept it.
  @Test func labrunSignsAndOpenSSHVerifies() async throws {
    let setup = try Setup()
    defer { setup.remove() }
    let key = try await setup.key("signer")
    try setup.allow([key])
    let bundled = try await setup.labrun.run([
      "bundle", "--run", setup.run.directory.path, "-o", setup.archive.path, "--sign", key.path,
    ])
    #expect(bundled.status == 0, "\(bundled)")
    #expect(bundled.stdout == "\(setup.archive.path)\n\(setup.signature.path)\n")
    let signatureText = try String(contentsOf: setup.signature, encoding: .utf8)
    #expect(signatureText.hasPrefix("-----BEGIN SSH SIGNATURE-----\n"))
    let openssh = await setup.opensshVerifies(setup.archive, setup.signature)
    #expect(openssh.status == 0, "\(openssh.output)")
    #expect(
      openssh.output.contains("Good \"labrun-bundle\" signature for \(Self.principal)"), "\(openssh.output)")
    let verify = try await setup.labrun.run([
      "verify", "--run", setup.archive.path, "--allowed-signers", setup.allowedSigners.path,
    ])
    #expect(verify.status == 0, "\(verify)")
    #expect(verify.stdout.contains("SIGNED: ssh-ed25519 SHA256:"), "\(verify.stdout)")
    #expect(verify.stdout.contains("(\(Self.principal)) in evidence.tar.gz.sig"))
    let json = try await setup.labrun.run([
      "verify", "--run", setup.archive.path, "--allowed-signers", setup.allowedSigners.path, "--json",
      "--principal", Self.principal,
    ])
    #expect(json.status == 0, "\(json)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    let signer = try #require(object["signature"] as? [String: Any])
    #expect(signer["key_type"] as? String == "ssh-ed25519")
    #expect(signer["principals"] as? [String] == [Self.principal])
  }

  /// `ssh-keygen -Y sign` signs; labrun verifies it; a key not listed, another namespace, or a
  /// changed archive are refused (exit 4), as stock OpenSSH refuses them.
  @Test func openSSHSignsAndLabrunVerifiesOrRefuses() async throws {
    let setup = try Setup()
    defer { setup.remove() }
    let trusted = try await setup.key("trusted")
    let stranger = try await setup.key("stranger")
    try setup.allow([trusted])
    #expect(
      try await setup.labrun.run(["bundle", "--run", setup.run.directory.path, "-o", setup.archive.path])
        .status
        == 0)
    let verifyArguments = [
      "verify", "--run", setup.archive.path, "--allowed-signers", setup.allowedSigners.path,
    ]

    let signed = await setup.tool([
      Self.sshKeygen, "-Y", "sign", "-f", trusted.path, "-n", "labrun-bundle", setup.archive.path,
    ])
    #expect(signed.status == 0, "\(signed.output)")
    let good = try await setup.labrun.run(verifyArguments)
    #expect(good.status == 0, "\(good)")
    #expect(good.stdout.contains("SIGNED: ssh-ed25519"))

    // A key the allowed_signers file does not list.
    try FileManager.default.removeItem(at: setup.signature)
    _ = await setup.tool([
      Self.sshKeygen, "-Y", "sign", "-f", stranger.path, "-n", "labrun-bundle", setup.archive.path,
    ])
    let unlisted = try await setup.labrun.run(verifyArguments)
    #expect(unlisted.status == 4, "\(unlisted)")
    #expect(unlisted.stdout.isEmpty)
    #expect(unlisted.stderr.contains("allowed_signers"), "\(unlisted.stderr)")
    #expect(await setup.opensshVerifies(setup.archive, setup.signature).status != 0)

    // Another namespace (a signature made for some other purpose).
    try FileManager.default.removeItem(at: setup.signature)
    _ = await setup.tool([Self.sshKeygen, "-Y", "sign", "-f", trusted.path, "-n", "file", setup.archive.path])
    let namespace = try await setup.labrun.run(verifyArguments)
    #expect(namespace.status == 4, "\(namespace)")
    #expect(namespace.stderr.contains("labrun-bundle"), "\(namespace.stderr)")

    // The archive changed after it was signed.
    try FileManager.default.removeItem(at: setup.signature)
    _ = await setup.tool([
      Self.sshKeygen, "-Y", "sign", "-f", trusted.path, "-n", "labrun-bundle", setup.archive.path,
    ])
    var bytes = try Data(contentsOf: setup.archive)
    bytes.append(0)
    try bytes.write(to: setup.archive)
    let altered = try await setup.labrun.run(verifyArguments)
    #expect(altered.status == 4, "\(altered)")
    #expect(await setup.opensshVerifies(setup.archive, setup.signature).status != 0)

    // No signature at all.
    try FileManager.default.removeItem(at: setup.signature)
    let unsigned = try await setup.labrun.run(verifyArguments)
    #expect(unsigned.status == 4, "\(unsigned)")
    #expect(unsigned.stderr.contains("evidence.tar.gz.sig"), "\(unsigned.stderr)")
  }

  /// A verified signature covers run.json even where SHA256SUMS does not list it.
  @Test func aVerifiedSignatureCoversRunJSON() async throws {
    let setup = try Setup()
    defer { setup.remove() }
    let sums = setup.run.artifactsDirectory.appendingPathComponent(ChecksumList.fileName)
    let withoutRunRecord = try String(contentsOf: sums, encoding: .utf8).split(separator: "\n")
      .filter { !$0.hasSuffix("../run.json") }.map { $0 + "\n" }.joined()
    try Data(withoutRunRecord.utf8).write(to: sums)
    let key = try await setup.key("signer")
    try setup.allow([key])
    let bundled = try await setup.labrun.run([
      "bundle", "--run", setup.run.directory.path, "-o", setup.archive.path, "--sign", key.path,
    ])
    #expect(bundled.status == 0, "\(bundled)")
    let unchecked = try await setup.labrun.run(["verify", "--run", setup.archive.path])
    #expect(unchecked.status == 2, "\(unchecked)")
    #expect(unchecked.stdout.contains("run.json is not covered"))
    let signed = try await setup.labrun.run([
      "verify", "--run", setup.archive.path, "--allowed-signers", setup.allowedSigners.path,
    ])
    #expect(signed.status == 0, "\(signed)")
  }

  /// Why signatures: a simulated bundle with its markers dropped, `target.kind` set to `ssh`
  /// and SHA256SUMS regenerated verifies as VALIDATED on checksums alone (they prove no more
  /// than that the files are the listed ones); signed by the forger's own key, it is refused.
  @Test func checksumsDoNotStopAForgerButAnUnlistedSignatureIsRefused() async throws {
    let setup = try Setup(fixture: "simulated")
    defer { setup.remove() }
    for name in try setup.run.artifactNames() {
      let file = setup.run.artifactsDirectory.appendingPathComponent(name)
      let text = try String(contentsOf: file, encoding: .utf8)
      try Data(text.replacingOccurrences(of: Artifact.simulatedMarker + "\n", with: "").utf8).write(to: file)
    }
    try setup.run.editRunRecord {
      $0.replacingOccurrences(of: "\"kind\": \"simulated\"", with: "\"kind\": \"ssh\"")
    }
    try EvidenceFixture.writeChecksums(in: setup.run.artifactsDirectory)
    let forged = try await setup.labrun.run(["verify", "--run", setup.run.directory.path])
    #expect(forged.status == 0, "checksums alone cannot tell: \(forged)")
    let trusted = try await setup.key("trusted")
    let forger = try await setup.key("forger")
    try setup.allow([trusted])
    let bundled = try await setup.labrun.run([
      "bundle", "--run", setup.run.directory.path, "-o", setup.archive.path, "--sign", forger.path,
    ])
    #expect(bundled.status == 0, "\(bundled)")
    let refused = try await setup.labrun.run([
      "verify", "--run", setup.archive.path, "--allowed-signers", setup.allowedSigners.path,
    ])
    #expect(refused.status == 4, "\(refused)")
    #expect(refused.stderr.contains("is not listed in"), "\(refused.stderr)")
  }

  @Test(arguments: [
    ["verify", "--allowed-signers", "/tmp/allowed"],
    ["verify", "--run", "some-run-id", "--allowed-signers", "/tmp/allowed"],
    ["verify", "--principal", "x"],
  ])
  func signatureOptionsNeedAnArchive(arguments: [String]) async throws {
    let result = try await LabrunBinary().run(arguments)
    #expect(result.status == 64, "\(result)")
  }

  @Test func anUnusableKeyFailsNamingIt() async throws {
    let setup = try Setup()
    defer { setup.remove() }
    let missing = setup.scratch.appendingPathComponent("no-such-key")
    let bundled = try await setup.labrun.run([
      "bundle", "--run", setup.run.directory.path, "-o", setup.archive.path, "--sign", missing.path,
    ])
    #expect(bundled.status == 1, "\(bundled)")
    #expect(bundled.stderr.contains("no-such-key"), "\(bundled.stderr)")
    #expect(!FileManager.default.fileExists(atPath: setup.signature.path))
  }

  /// Defects: `bundle -o FILE` a second time deleted FILE and exited 4 ("The file doesn't
  /// exist"); a failed --sign still wrote the archive and left the old .sig beside it; a missing
  /// key said only Foundation's "The operation could not be completed".
  @Test func bundlingAgainReplacesTheArchiveAndAFailedSignChangesNothing() async throws {
    let setup = try Setup()
    defer { setup.remove() }
    let key = try await setup.key("signer")
    let command = ["bundle", "--run", setup.run.directory.path, "-o", setup.archive.path]
    for round in 1...3 {
      let bundled = try await setup.labrun.run(command + ["--sign", key.path])
      #expect(bundled.status == 0, "round \(round): \(bundled)")
      #expect(bundled.stdout == setup.archive.path + "\n" + setup.signature.path + "\n", "\(bundled)")
    }
    let before = (try Data(contentsOf: setup.archive), try Data(contentsOf: setup.signature))
    try Data("changed\n".utf8).write(to: setup.run.directory.appendingPathComponent("notes.txt"))
    let missing = setup.scratch.appendingPathComponent("no-such-key")
    let failed = try await setup.labrun.run(command + ["--sign", missing.path])
    #expect(failed.status == 1, "\(failed)")
    #expect(failed.stderr.contains("\(missing.path): no such file"), "\(failed.stderr)")
    #expect(!failed.stderr.contains("could not be completed"), "\(failed.stderr)")
    #expect(try Data(contentsOf: setup.archive) == before.0, "the previous archive is unchanged")
    #expect(try Data(contentsOf: setup.signature) == before.1, "the previous signature is unchanged")
    let entries = try FileManager.default.contentsOfDirectory(atPath: setup.scratch.path)
    #expect(!entries.contains { $0.hasSuffix(".tmp") }, "\(entries)")

    let unsigned = try await setup.labrun.run(command)
    #expect(unsigned.status == 0, "\(unsigned)")
    #expect(unsigned.stderr.contains("removed \(setup.signature.path)"), "\(unsigned)")
    #expect(!FileManager.default.fileExists(atPath: setup.signature.path))
  }
}
