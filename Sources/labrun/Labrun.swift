import ArgumentParser
import Foundation
import LabPipeline

/// labrun: provision a GPU VM, run the HAMi isolation exercises, verify the evidence.
///
/// Also the simulated host's tools: run as `nvidia-smi`, `kubectl`, … (links on the simulated
/// host's PATH), it answers as that tool instead (``SimulatedCommand``).
@main
struct Labrun: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "labrun",
    abstract: "Turn the HAMi GPU-sharing lab into one reproducible, verified pipeline.",
    discussion: """
      Typical use:
        labrun up --host gpu-vm
        labrun exercises
        labrun report > validation.md
        labrun down

      \(LabrunExit.help)
      """,
    version: BuildCommit.version,
    subcommands: [
      Up.self, Exercises.self, Report.self, Down.self, Run.self, Plan.self, Status.self, Runs.self,
      Verify.self, BundleCommand.self, Ping.self, LabsCommand.self,
    ]
  )

  static func main() async {
    SimulatedCommand.runIfCalledAsOne()
    do {
      var command = try parseAsRoot(nil)
      if var asyncCommand = command as? any AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
    } catch {
      exit(saying: error)
    }
  }

  /// Ends labrun after `error` with one error prefix for every command, `labrun: error:`, and
  /// the exit status of the one mapping (``LabrunExit/status(for:)``). Help and version go to
  /// standard output with status 0, as argument-parser does.
  static func exit(saying error: any Error) -> Never {
    let code = LabrunExit.status(for: error)
    if error is any ExitCodeProviding || error is CancellationError {
      Terminal.error(error, redactor: Redactor(environment: ProcessInfo.processInfo.environment))
      Foundation.exit(code)
    }
    let message = fullMessage(for: error)
    guard code != 0, error as? ExitCode == nil, !message.isEmpty else { exit(withError: error) }
    let text = message.hasPrefix("Error: ") ? "labrun: error: " + message.dropFirst("Error: ".count) : message
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    Foundation.exit(code)
  }
}
