import ArgumentParser
import LabPipeline

/// The exit statuses the commands document; the values are ``LabPipeline/LabrunExitCode``'s and
/// each error carries its own (``LabPipeline/ExitCodeProviding``). Each command lists only the
/// statuses it can return.
enum LabrunExit {
  /// Every status and what it means, in order.
  static let meanings: [(code: Int32, text: String)] = [
    (0, "success"),
    (1, "a step failed; fix the cause and rerun the same command to resume"),
    (2, "invalid lab.yaml, --param value, simulated card or sim_scenario"),
    (3, "the target could not be reached, or the connection failed"),
    (4, "no such run, or the run directory is unreadable or in use"),
    (5, "the exercises completed and at least one FAILED"),
    (6, "the exercises completed, none FAILED, at least one INCONCLUSIVE"),
    (64, "invalid command line (e.g. a malformed --host)"),
    (130, "interrupted (SIGINT/SIGTERM); rerun the same command to resume"),
  ]

  /// `up` and `down`.
  static let phaseCodes: [Int32] = [0, 1, 2, 3, 4, 64, 130]
  /// `exercises` and `run`: the verdicts too.
  static let exerciseCodes: [Int32] = [0, 1, 2, 3, 4, 5, 6, 64, 130]
  /// `plan`: it reads the lab and --host, and connects to nothing.
  static let planCodes: [Int32] = [0, 2, 64]
  /// `status` and `runs`: they read the state directory.
  static let stateCodes: [Int32] = [0, 4, 64]

  /// The text for `--help`: the statuses in `codes`, one a line.
  static func help(_ codes: [Int32]) -> String {
    "Exit status:\n"
      + meanings.filter { codes.contains($0.code) }.map { code, text in
        "  " + String(code).padding(toLength: 5, withPad: " ", startingAt: 0) + text
      }.joined(separator: "\n")
  }

  /// Every status (the top-level `labrun --help`).
  static var help: String { help(meanings.map(\.code)) }

  /// The exit status for `error`: the one mapping every command ends through. An error that
  /// carries its status (``ExitCodeProviding``) gives it; an interruption 130; the command
  /// line's own errors argument-parser's (64 for one that does not parse or validate); any
  /// other error 1.
  static func status(for error: any Error) -> Int32 {
    if let code = error as? ExitCode { return code.rawValue }
    if error is CleanExit { return 0 }
    if error is any ExitCodeProviding || error is CancellationError {
      return LabrunExitCode.status(for: error)
    }
    return Labrun.exitCode(for: error).rawValue
  }
}
