import ArgumentParser
import BundleSigning
import Foundation
import LabPipeline

extension Labrun {
  /// `labrun bundle` (named BundleCommand so it does not shadow Foundation's `Bundle`).
  struct BundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "bundle",
      abstract:
        "Pack a run directory (or a fleet) into a .tar.gz that `labrun report --run FILE` reads back.",
      discussion: """
        The archive holds the run directory (run.json, ledger.json, transcript.jsonl, artifacts/; \
        hidden files such as .lock are left out) and is reproducible: the same run packs to the same \
        bytes, also after other labrun commands touched the run. The evidence is checked against \
        SHA256SUMS first; an altered file stops the bundle. Prints the archive's path.

        --fleet ID packs a fleet instead: ID/fleet.json, ID/fleet.md and every host's run directory \
        under ID/runs/, each host's evidence checked first; `labrun verify --run FILE` checks it \
        host by host (see docs/fleet.md).

        --sign KEY also writes FILE.sig, an OpenSSH signature (namespace labrun-bundle) that \
        `labrun verify --run FILE --allowed-signers ALLOWED` and stock OpenSSH both check:
          ssh-keygen -Y verify -f ALLOWED -I ID -n labrun-bundle -s FILE.sig < FILE
        KEY is a private key file (unencrypted), or a key held by ssh-agent (give its KEY.pub or \
        its encrypted private key file).

        FILE (and FILE.sig) are replaced only once the new archive is complete and signed: a \
        failure leaves the previous files as they were. An unsigned archive written over a signed \
        one removes the old FILE.sig, which would no longer match.

        Exit status:
          0    written (and signed)
          1    signing or writing the archive failed (the error says why)
          4    no such run or fleet, or its evidence is unreadable or altered
          64   invalid command line
        """)

    /// The run to pack.
    @OptionGroup var selection: RunOption

    /// A fleet instead of one run.
    @Option(
      help: ArgumentHelp(
        "Pack this fleet (every host's run and the fleet page) instead of one run.", valueName: "fleet-id"))
    var fleet: String?

    /// Where to write the archive; defaults to `<run-id>.tar.gz` (`<fleet-id>.tar.gz`) here.
    @Option(
      name: [.short, .customLong("output")],
      help: ArgumentHelp(
        "Write the archive to FILE (default: <run-id>.tar.gz or <fleet-id>.tar.gz here).", valueName: "FILE"))
    var output: String?

    /// The key that signs the archive, read by BundleSigning.
    @Option(
      name: .customLong("sign"),
      help: ArgumentHelp(
        "Sign the archive with KEY (a private key file, or KEY.pub of a key in ssh-agent); writes FILE.sig.",
        valueName: "KEY"))
    var signingKey: String?

    func validate() throws {
      if let run = selection.run, BundleArchive.isArchivePath(run) {
        throw ValidationError("--run \(run) is already a bundle; pass a run id or run directory")
      }
      if fleet != nil, selection.run != nil {
        throw ValidationError("--fleet and --run cannot be combined; pick one")
      }
    }

    func run() async throws {
      let (fleet, run, output, keyPath) = (fleet, selection.run, output, signingKey)
      let environment = ProcessInfo.processInfo.environment
      let written = try await BlockingWork.run {
        try BundleArchive.pack(
          fleet: fleet, run: run, output: output, signingKey: keyPath, environment: environment)
      }
      StandardOutput.write(
        ([written.archive] + [written.signature].compactMap { $0 }).map { $0.path + "\n" }.joined())
      if let removed = written.removedSignature {
        StandardError.write("labrun: removed \(removed.path): it signed the archive this one replaced")
      }
    }
  }
}
