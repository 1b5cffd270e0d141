/// An error that knows the exit status labrun ends with when it stops a command, so the
/// executable maps any module's error without knowing its type.
public protocol ExitCodeProviding: Error {
  var exitCode: Int32 { get }
}

/// labrun's exit statuses, one meaning each, shared by every command.
public enum LabrunExitCode {
  /// A step failed; rerunning the same command resumes.
  public static let stepFailed: Int32 = 1
  /// lab.yaml or a `--param` value is invalid.
  public static let labInvalid: Int32 = 2
  /// The target could not be reached, or the connection failed.
  public static let targetFailed: Int32 = 3
  /// No such run, or its directory cannot be read or written, or it is in use.
  public static let runStateFailed: Int32 = 4
  /// `run` or `exercises`: the exercises completed and at least one FAILED (the evidence
  /// contradicts its claim). A rerun does not change that; the run itself is complete.
  public static let exercisesFailed: Int32 = 5
  /// `run` or `exercises`: the exercises completed, none FAILED, but at least one is
  /// INCONCLUSIVE (something it needs is missing from the evidence).
  public static let exercisesInconclusive: Int32 = 6
  /// The command line is invalid.
  public static let usage: Int32 = 64
  /// Interrupted by SIGINT or SIGTERM; rerunning resumes.
  public static let interrupted: Int32 = 130
}

extension LabrunExitCode {
  /// The exit status for `error`, the one mapping every command uses: the status the error
  /// carries (``ExitCodeProviding``), ``interrupted`` for a cancelled run, else ``stepFailed``.
  /// (The executable adds the command line's own errors, which only it knows.)
  public static func status(for error: any Error) -> Int32 {
    if let error = error as? any ExitCodeProviding { return error.exitCode }
    if error is CancellationError { return interrupted }
    return stepFailed
  }

  /// The exit status of `run` and `exercises` whose exercises completed with `verdicts`: 0 when
  /// all passed, ``exercisesFailed`` when any failed, else ``exercisesInconclusive``.
  public static func forVerdicts(_ verdicts: [Verdict]) -> Int32 {
    if verdicts.contains(.fail) { return exercisesFailed }
    if verdicts.contains(.inconclusive) { return exercisesInconclusive }
    return 0
  }
}
