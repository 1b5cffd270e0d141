import ArgumentParser
import Foundation
import LabPipeline

extension Labrun {
  /// `labrun bundle` (named BundleCommand so it does not shadow Foundation's `Bundle`).
  struct BundleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "bundle",
      abstract: "Pack a run directory into a .tar.gz that `labrun report --run FILE` reads back.",
      discussion: """
        The archive holds the whole run directory (run.json, ledger.json, transcript.jsonl, artifacts/) \
        and is reproducible: the same run packs to the same bytes. The evidence is checked against \
        SHA256SUMS first; an altered file stops the bundle. Prints the archive's path.
        """)

    /// The run to pack.
    @OptionGroup var selection: RunOption

    /// Where to write the archive; defaults to `<run-id>.tar.gz` in the working directory.
    @Option(
      name: [.short, .customLong("output")],
      help: ArgumentHelp("Write the archive to FILE (default: <run-id>.tar.gz here).", valueName: "FILE"))
    var output: String?

    func validate() throws {
      if let run = selection.run, BundleArchive.isArchivePath(run) {
        throw ValidationError("--run \(run) is already a bundle; pass a run id or run directory")
      }
    }

    func run() async throws {
      let runDirectory = try StateDirectory().resolveRun(selection.run)
      _ = try EvidenceBundle.load(directory: runDirectory)
      let destination = URL(fileURLWithPath: output ?? "\(runDirectory.lastPathComponent).tar.gz")
      try BundleArchive.create(runDirectory: runDirectory, output: destination)
      StandardOutput.write(destination.path + "\n")
    }
  }
}
