import ArgumentParser
import Foundation
import LabPipeline

/// `--run`, shared by the commands that read a run's evidence.
struct EvidenceOptions: ParsableArguments {
  /// The run to read; nil means the current run in the state directory.
  @Option(
    name: .long,
    help: ArgumentHelp(
      "The run: a run id, a run directory, or a bundle .tar.gz from `labrun bundle` (default: the current run).",
      valueName: "ID|DIR|BUNDLE.tar.gz"))
  var run: String?
}

/// Writes bytes to standard output unchanged (the page is data: `labrun report > page.md`).
enum StandardOutput {
  static func write(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
  }

  static func write(_ data: Data) {
    FileHandle.standardOutput.write(data)
  }
}

/// Writes a message to standard error.
enum StandardError {
  static func write(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
  }
}
