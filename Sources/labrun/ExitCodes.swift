import ArgumentParser
import LabPipeline
import Remote
import Steps

/// labrun's exit statuses for up, exercises, down, run, plan, status and runs.
enum LabrunExit {
  /// A step failed; the ledger has the step, command and output.
  static let stepFailed = ExitCode(1)
  /// The lab definition or a --param value is invalid.
  static let labInvalid = ExitCode(2)
  /// The target could not be reached or a transport failed.
  static let targetFailed = ExitCode(3)
  /// No such run, or the run directory cannot be read or written.
  static let runStateFailed = ExitCode(4)

  /// The text for `--help` and the docs.
  static let help = """
    Exit status:
      0    success
      1    a step failed; fix the cause and rerun the same command to resume
      2    invalid lab definition (lab.yaml) or --param value
      3    the target could not be reached, or the connection failed
      4    no such run, or the run directory is unreadable or in use
      64   invalid command line
      130  interrupted (SIGINT/SIGTERM); rerun the same command to resume
    """

  /// The exit status for an error that ended a command.
  static func code(for error: any Error) -> ExitCode {
    switch error {
    case is PipelineError, is StepError: return stepFailed
    case is LabDefinitionError, is LabCatalogError, is ParameterError: return labInvalid
    case is TransportError, is TargetError, is LocalTransportError, is TargetOpenError: return targetFailed
    case is StateDirectoryError, is RunStoreError, is AtomicFileError, is RunSelectionError:
      return runStateFailed
    default: return ExitCode.failure
    }
  }
}
