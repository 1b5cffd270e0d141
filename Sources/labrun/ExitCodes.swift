/// The exit statuses up, exercises, down, run, plan, status and runs document; the values are
/// ``LabPipeline/LabrunExitCode``'s and each error carries its own
/// (``LabPipeline/ExitCodeProviding``).
enum LabrunExit {
  /// The text for `--help` and the docs.
  static let help = """
    Exit status:
      0    success
      1    a step failed; fix the cause and rerun the same command to resume
      2    invalid lab definition (lab.yaml) or --param value
      3    the target could not be reached, or the connection failed
      4    no such run, or the run directory is unreadable or in use
      5    run, exercises: the exercises completed and at least one FAILED
      6    run, exercises: the exercises completed, none FAILED, at least one INCONCLUSIVE
      64   invalid command line
      130  interrupted (SIGINT/SIGTERM); rerun the same command to resume
    """
}
