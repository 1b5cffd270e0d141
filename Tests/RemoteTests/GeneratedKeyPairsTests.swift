import Foundation
import LabPipeline
import TestSupport
import Testing

/// The key pairs tests make once per process: the same request gives the same pair, a different
/// one another pair, and what is written is a key OpenSSH reads.
@Suite struct GeneratedKeyPairsTests {
  @Test func oneRequestOnePairAndOpenSSHReadsIt() async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let first = directory.appending("first")
    let second = directory.appending("second")
    let other = directory.appending("other")
    try await BlockingWork.run {
      for (file, comment) in [(first, "a@labrun-test"), (second, "a@labrun-test"), (other, "b@labrun-test")] {
        try GeneratedKeyPairs.write(
          typeArguments: ["-t", "ed25519"], comment: comment, passphrase: "", to: file)
      }
    }
    #expect(try Data(contentsOf: first) == Data(contentsOf: second))
    #expect(try Data(contentsOf: first) != Data(contentsOf: other))
    let mode = try FileManager.default.attributesOfItem(atPath: first.path)[.posixPermissions] as? Int
    #expect(mode == 0o600, "ssh refuses a private key others can read")
    let derived = await SpawnedProcess.completed(["/usr/bin/ssh-keygen", "-y", "-f", second.path])
    #expect(derived.status == 0, "\(derived.output)")
    let published = try String(contentsOf: directory.appending("second.pub"), encoding: .utf8)
    #expect(published.hasPrefix(derived.output.trimmingCharacters(in: .whitespacesAndNewlines)))
  }
}
