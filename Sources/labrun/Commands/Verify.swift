import ArgumentParser
import Foundation
import LabPipeline
import Labs

extension Labrun {
  struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check a run's evidence and exit with its status.",
      discussion: """
        Prints one line per exercise (verdict, title, reason, evidence files), then the overall status; \
        with --json, the same verdicts as `labrun report --format json`.

        A fleet bundle (`labrun bundle --fleet ID`) is checked host by host: one line per host, \
        then the fleet's. Its exit status is the first of 4, 1, 2, 3 that any host has (a host \
        without a run counts as INCOMPLETE), else 0: every host VALIDATED (see docs/fleet.md).

        With --allowed-signers FILE, the bundle archive's signature (FILE.sig beside it, made by \
        `labrun bundle --sign` or `ssh-keygen -Y sign -n labrun-bundle`) is checked first, in \
        OpenSSH's allowed_signers format; a missing or invalid signature, or one by a key the file \
        does not list, is refused (exit 4). A signature proves who packed the bundle, not that the \
        hardware was real.

        Exit status:
          0  VALIDATED   real target, every exercise PASS, bundle intact
          1  FAILED      at least one exercise FAIL: the evidence contradicts the claim
          2  INCOMPLETE  no FAIL, but something INCONCLUSIVE, SHA256SUMS missing, or
                         imported evidence
          3  SIMULATED   the simulated GPU host, whatever the verdicts
          4  the evidence could not be read or was altered (e.g. a file does not match
             SHA256SUMS), or its signature is missing, invalid or not by an allowed
             signer
        """)

    @OptionGroup var evidence: RunOption

    /// The signers whose signature over the archive is accepted (OpenSSH allowed_signers).
    @Option(
      name: .customLong("allowed-signers"),
      help: ArgumentHelp(
        "Check the archive's signature (ARCHIVE.sig) against this OpenSSH allowed_signers file.",
        valueName: "FILE"))
    var allowedSigners: String?

    /// Like `ssh-keygen -Y verify -I`: the key must be listed for this principal.
    @Option(help: ArgumentHelp("With --allowed-signers: the signer must be listed for ID.", valueName: "ID"))
    var principal: String?

    /// A signature file elsewhere than beside the archive.
    @Option(
      help: ArgumentHelp(
        "With --allowed-signers: the signature file (default: ARCHIVE.sig).", valueName: "SIG"))
    var signature: String?

    /// Machines read the verdicts as JSON; the exit status is the same.
    @Flag(name: .customLong("json"), help: "Print the verdicts as JSON (as `labrun report --format json`).")
    var json = false

    func validate() throws {
      if allowedSigners == nil, principal != nil || signature != nil {
        throw ValidationError("--principal and --signature only apply with --allowed-signers FILE")
      }
      if allowedSigners != nil, !(evidence.run.map(BundleArchive.isArchivePath) ?? false) {
        throw ValidationError(
          "--allowed-signers checks a signed archive: pass it with --run B.tar.gz (see `labrun bundle --sign`)"
        )
      }
    }

    func run() async throws {
      let verdict: EvidenceVerification
      do {
        verdict = try await verified()
      } catch {
        // verify's own table: an unreadable or altered bundle (or signature) is 4.
        StandardError.write("labrun: error: \(error)")
        throw ExitCode(LabrunExitCode.runStateFailed)
      }
      StandardOutput.write(json ? try verdict.json() : Data(verdict.text.utf8))
      if verdict.exitStatus != 0 { throw ExitCode(verdict.exitStatus) }
    }

    /// The verdicts on `--run`'s evidence, its signature checked first with `--allowed-signers`.
    private func verified() async throws -> EvidenceVerification {
      let (allowedSigners, archive, signature, principal) = (
        allowedSigners, evidence.run, signature, principal
      )
      return try await BlockingWork.run {
        let signer = try allowedSigners.map { allowed in
          try SignedBundle.verify(
            URL(fileURLWithPath: archive ?? ""), signature: signature.map { URL(fileURLWithPath: $0) },
            allowedSigners: allowed, principal: principal)
        }
        return try EvidenceVerification.verify(archive, state: StateDirectory(), signer: signer)
      }
    }
  }
}
