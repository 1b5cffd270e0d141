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
  /// The command line is invalid.
  public static let usage: Int32 = 64
  /// Interrupted by SIGINT or SIGTERM; rerunning resumes.
  public static let interrupted: Int32 = 130
}
